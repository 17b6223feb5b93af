"""Reading a file's bytes and decoding text, with the checks every format shares."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from indexer.loaders.errors import ContentError

MAX_FILE_BYTES = 20 * 1024 * 1024
# Share of control or replacement characters above which decoded text counts as binary.
_MAX_GARBAGE_RATIO = 0.05
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


def read_file_bytes(path: Path) -> bytes:
    """Read a file, rejecting files over MAX_FILE_BYTES and files with only whitespace."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(
                f"file is {size / (1024 * 1024):.1f} MB, over the limit of "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB (MAX_FILE_BYTES); "
                "split it into smaller files or remove embedded images"
            )
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise ContentError("file not found; it may have been moved during indexing") from error
    except OSError as error:
        raise ContentError(
            f"cannot read file: {error.strerror or error}; check its permissions"
        ) from error
    if not data.strip():
        raise ContentError("empty document; add text or delete the file")
    return data


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else the detected charset, else cp1252.

    Raises ContentError "binary content" for NUL bytes or text that is mostly not
    printable after decoding.
    """
    if b"\x00" in data:
        raise ContentError(_binary_reason("it contains NUL bytes"))
    text = _decode(data)
    if text is None or _garbage_ratio(text) > _MAX_GARBAGE_RATIO:
        raise ContentError(_binary_reason("it is not readable as text in any known encoding"))
    if not text.strip():
        raise ContentError("empty document; add text or delete the file")
    return unicodedata.normalize("NFC", text)


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    # Old Windows files in Norwegian are usually cp1252; bytes it leaves undefined
    # become U+FFFD and count towards the garbage ratio.
    return codecs.decode(data, "cp1252", errors="replace")


def _garbage_ratio(text: str) -> float:
    if not text:
        return 0.0
    garbage = sum(
        1
        for char in text
        if char == "\ufffd"
        or (unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS)
    )
    return garbage / len(text)


def _binary_reason(detail: str) -> str:
    return (
        f"binary content: {detail}; check that the file really is text or give it the right suffix"
    )
