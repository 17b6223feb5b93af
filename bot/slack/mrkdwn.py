"""Escaping for Slack's mrkdwn, so dynamic text never turns into a link or a mention."""

from __future__ import annotations

from urllib.parse import quote


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack asks for all text that is not markup.

    After escaping, text from a document or a user cannot form ``<!channel>``,
    ``<!here>``, ``<@U123>`` or ``<url|label>``.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo ``escape``; ``&amp;`` goes last so ``&amp;lt;`` becomes ``&lt;``, not ``<``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_web_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def link(url: str, label: str) -> str:
    """Build ``<url|label>`` from a web URL and a label, both escaped.

    Characters that would end the URL part early (``|``, ``>``, whitespace) are
    percent-encoded; everything else in the URL is kept as written.
    """
    safe_url = quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")
    return f"<{escape(safe_url)}|{escape(label).replace('|', '¦')}>"
