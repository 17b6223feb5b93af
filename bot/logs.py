"""Logging set-up for entry points, with a filter that masks secrets and personal data.

Modules only call ``logging.getLogger(__name__)``; ``configure_logging`` is called once
by an entry point such as ``bot.cli.main``.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

# Order matters: tokens and e-mail addresses first, so their digits are not taken
# for identity or phone numbers.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"), "[slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), "[slack-token]"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "[api-key]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer [token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Norwegian national identity number (fødselsnummer or D-number): 11 digits,
    # optionally with a space after the date part.
    (re.compile(r"(?<!\d)\d{6}\s?\d{5}(?!\d)"), "[id-number]"),
    # Phone numbers: optional +47 or 0047, then 8 digits in groups.
    (re.compile(r"(?<![\w+])(?:\+47|0047)?\s?(?:\d{2}\s?){3}\d{2}(?!\d)"), "[phone]"),
    (re.compile(r"(?<![\w+])(?:\+47|0047)?\s?\d{3}\s?\d{2}\s?\d{3}(?!\d)"), "[phone]"),
)


def mask(text: str) -> str:
    """Return ``text`` with tokens, identity numbers, e-mail addresses and phones masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class MaskingFilter(logging.Filter):
    """Masks secrets and personal data in the formatted message of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked = mask(record.getMessage())
        record.msg = masked
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def install_masking() -> None:
    """Mask every log record as it is created, so every handler gets masked text.

    A filter on one handler leaves the others, such as those a library or a test
    adds, with the raw text. Installing twice has no further effect.
    """
    create = logging.getLogRecordFactory()
    if getattr(create, "mpsbot_masking", False):
        return
    masking = MaskingFilter()

    def create_masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = create(*args, **kwargs)
        try:
            masking.filter(record)
        except (TypeError, ValueError):
            # Arguments that do not fit the format: mask the format string, and the
            # handler reports the formatting error as it would without masking.
            record.msg = mask(str(record.msg))
        return record

    create_masked.mpsbot_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(create_masked)


def configure_logging(level: str = "INFO") -> None:
    """Mask all log records and send those at ``level`` and above to stderr.

    Raises ValueError when ``level`` is not a standard logging level name.
    """
    if level.upper() not in logging.getLevelNamesMapping():
        raise ValueError(
            f"invalid log level {level!r}; set MPSBOT_LOG_LEVEL to DEBUG, INFO, WARNING or ERROR"
        )
    install_masking()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "mpsbot_handler", False):
            root.removeHandler(existing)
    handler.mpsbot_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # slack_bolt logs whole request bodies, question text included, at INFO (for
    # example on a bad signature), so it speaks at WARNING unless DEBUG is asked for.
    if level.upper() != "DEBUG":
        logging.getLogger("slack_bolt").setLevel(logging.WARNING)
