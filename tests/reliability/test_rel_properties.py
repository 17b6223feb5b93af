"""Property-based checks that the other suites lack, and a long loader fuzz run (slow).

The Slack normaliser, the mrkdwn escaper, the chunker and citation renumbering have
their properties in tests/bot/slack, tests/indexer/test_chunking.py and
tests/bot/generation. This file adds question cleaning, log masking, front matter of
any YAML type, and many more loader examples.
"""

from __future__ import annotations

import io
import tempfile
import unicodedata
from pathlib import Path

import docx
import pytest
import yaml
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.logs import mask
from bot.question import MAX_QUESTION_CHARS, clean_question
from bot.slack.mrkdwn import escape
from bot.slack.normalize import normalize_text
from indexer.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
from indexer.models import Document

# -- question cleaning -----------------------------------------------------------------


@given(st.text(max_size=2000))
def test_clean_question_no_controls(text: str) -> None:
    cleaned = clean_question(text)
    assert all(unicodedata.category(char)[0] != "C" for char in cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned


@given(st.text(min_size=1, max_size=50))
def test_clean_question_caps_length(piece: str) -> None:
    text = piece * (MAX_QUESTION_CHARS // len(piece) + 2)
    assert len(clean_question(text)) <= MAX_QUESTION_CHARS


@given(st.text(), st.sampled_from(["<!channel>", "<!here>", "<@U0ADMIN>", "<https://x.example|y>"]))
def test_normalised_then_escaped_is_inert(text: str, markup: str) -> None:
    rendered = escape(normalize_text(f"{text} {markup} {text}", "UBOT"))
    assert "<" not in rendered
    assert ">" not in rendered


# -- log masking -----------------------------------------------------------------------

_filler = st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=40)
_local = st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z0-9]", fullmatch=True)
_identity_number = st.from_regex(r"[0-3][0-9][01][0-9]{3}[0-9]{5}", fullmatch=True)
_mobile = st.from_regex(r"[49][0-9]{7}", fullmatch=True)


@given(_filler, _local, _filler)
def test_mask_hides_any_email(before: str, local: str, after: str) -> None:
    address = f"{local}@dfo.no"
    assert address not in mask(f"{before} {address} {after}")


@given(_filler, _identity_number, _filler)
def test_mask_hides_identity_number(before: str, number: str, after: str) -> None:
    assert number not in mask(f"{before} {number} {after}")


@given(_filler, _mobile, st.sampled_from(["", "+47 ", "0047 "]), _filler)
def test_mask_hides_phone(before: str, number: str, prefix: str, after: str) -> None:
    masked = mask(f"{before} {prefix}{number} {after}")
    assert number not in masked


@given(st.text(max_size=200))
def test_mask_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


# -- loaders ---------------------------------------------------------------------------

_yaml_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates().map(str),
)
_FIELDS = ["id", "title", "kind", "topic", "language", "audience", "published", "reviewed"]


def _front_matter(values: dict[str, object]) -> str:
    return yaml.safe_dump(values, allow_unicode=True)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.dictionaries(st.sampled_from(_FIELDS), _yaml_scalar, max_size=6))
def test_front_matter_any_types(tmp_path: Path, values: dict[str, object]) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir(exist_ok=True)
    path = knowledge / "fm.md"
    path.write_text(f"---\n{_front_matter(values)}---\n\n# Tittel\n\nTekst om CIPS.\n", "utf-8")
    try:
        document = load_document(path, knowledge)
    except LoadError as error:
        assert error.reason
    else:
        assert isinstance(document, Document)


def _valid_samples() -> dict[str, bytes]:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, "Skyavtaler og personvern.")
    word = docx.Document()
    word.add_heading("Overskrift", level=1)
    word.add_paragraph("Avsnitt om CIPS.")
    buffer = io.BytesIO()
    word.save(buffer)
    html = b"<html><head><title>T</title></head><body><h1>H</h1><p>Tekst.</p></body></html>"
    markdown = "---\nid: a\ntitle: Å\n---\n\n# Å\n\nTekst.\n".encode()
    return {
        ".pdf": bytes(pdf.output()),
        ".docx": buffer.getvalue(),
        ".html": html,
        ".md": markdown,
    }


def _load_or_reason(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        knowledge = Path(directory)
        path = knowledge / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            document = load_document(path, knowledge)
        except LoadError as error:
            assert error.reason
        else:
            assert isinstance(document, Document)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(data=st.binary(max_size=65536), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_loaders_long_random_fuzz(data: bytes, suffix: str) -> None:
    _load_or_reason(data, suffix)


SAMPLES = _valid_samples()


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(
    suffix=st.sampled_from(sorted(SAMPLES)),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=64)),
        max_size=20,
    ),
    cut=st.floats(0.05, 1.0),
)
def test_loaders_long_corruption_fuzz(
    suffix: str, edits: list[tuple[float, bytes]], cut: float
) -> None:
    data = bytearray(SAMPLES[suffix])
    for position, replacement in edits:
        start = int(position * len(data))
        data[start : start + len(replacement)] = replacement
    _load_or_reason(bytes(data[: max(1, int(cut * len(data)))]), suffix)
