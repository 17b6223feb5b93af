from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
from indexer.models import Document


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=4096))
@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_load_random_bytes(knowledge_dir: Path, suffix: str, data: bytes) -> None:
    path = knowledge_dir / f"random{suffix}"
    path.write_bytes(data)
    try:
        document = load_document(path, knowledge_dir)
    except LoadError as error:
        assert error.reason
    else:
        assert isinstance(document, Document)
        assert document.sections


def valid_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, "Cloud contracts and privacy.")
    return bytes(pdf.output())


def valid_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Heading", level=1)
    document.add_paragraph("Paragraph text.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SAMPLES = {".pdf": valid_pdf(), ".docx": valid_docx()}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)), max_size=6
    )
)
@pytest.mark.parametrize("suffix", sorted(SAMPLES))
def test_load_corrupted_file(
    knowledge_dir: Path, suffix: str, edits: list[tuple[float, bytes]]
) -> None:
    data = bytearray(SAMPLES[suffix])
    for position, replacement in edits:
        start = int(position * len(data))
        data[start : start + len(replacement)] = replacement
    path = knowledge_dir / f"corrupted{suffix}"
    path.write_bytes(bytes(data))
    try:
        document = load_document(path, knowledge_dir)
    except LoadError as error:
        assert error.reason
    else:
        assert isinstance(document, Document)
