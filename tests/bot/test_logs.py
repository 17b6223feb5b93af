import logging

import pytest

from bot.logs import MaskingFilter, configure_logging, mask


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("token xoxb-1234-5678-abcdef", "xoxb-1234"),
        ("app token xapp-1-A0-123-abc", "xapp-1"),
        ("key sk-abcdefghijklmnopqrstuv", "sk-abcdef"),
        ("Authorization: Bearer abc.def.ghi123", "abc.def"),
        ("fra kari.nordmann@dfo.no", "kari.nordmann"),
        ("fødselsnummer 01017012345", "01017012345"),
        ("fødselsnummer 010170 12345", "010170 12345"),
        ("ring 22 33 44 55", "22 33 44 55"),
        ("ring +47 92345678", "92345678"),
        ("ring 923 45 678", "923 45 678"),
    ],
)
def test_mask_hides_secret(text, secret):
    assert secret not in mask(text)


@pytest.mark.parametrize(
    "text",
    ["Utprøvingen starter 25. januar 2024", "dato 2024-01-15", "35 millioner kroner", "3–5"],
)
def test_mask_keeps_dates_and_amounts(text):
    assert mask(text) == text


def test_filter_masks_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s", ("a@b.no",), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "user [email]"


def test_configure_logging_rejects_level():
    with pytest.raises(ValueError, match="MPSBOT_LOG_LEVEL"):
        configure_logging("LOUD")


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configure_logging_once(capsys, restore_root_logger):
    configure_logging("INFO")
    configure_logging("DEBUG")
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "mpsbot_handler", False)]
    assert len(handlers) == 1
    logging.getLogger("mpsbot.test").info("mail ola@dfo.no")
    assert "[email]" in capsys.readouterr().err
