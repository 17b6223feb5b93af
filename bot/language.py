"""Detection of Norwegian bokmål versus English in a question."""

from __future__ import annotations

import re

from indexer.models import Language

_WORD = re.compile(r"[a-zæøåéèüö]+", re.IGNORECASE)

# Frequent function words that are rare in the other language. Words shared by both
# (such as "i", "at", "for", "kan") are left out because they carry no signal.
_NORWEGIAN = frozenset(
    """
    og er jeg du vi de hva hvem hvor hvordan hvorfor når hvilke hvilken hvilket skal
    kan ikke det den som med til fra på av ved om seg har hadde blir ble være vært må
    mitt min mine vår våre deres eller men også bare etter eller får gjelder finnes
    noen noe mange mye koster kostnad avtale avtalen avtaler virksomhet virksomheter
    offentlige offentlig skytjenester utprøving utprøvingen deltar delta starter
    """.split()  # noqa: SIM905
)
_ENGLISH = frozenset(
    """
    the and is are was were what who where when why how which does do did can could
    should would will of to in on with from by about this that these those it its my
    our your their there have has had be been not any many much cost costs agreement
    agreements public sector cloud services pilot join start starts apply about
    """.split()  # noqa: SIM905
)
_NORWEGIAN_LETTERS = re.compile(r"[æøå]", re.IGNORECASE)


def detect_language(text: str, default: Language = "nb") -> Language:
    """Return "nb" or "en" for ``text`` by counting language-specific words.

    The letters æ, ø and å count as Norwegian evidence. A tie, including text with
    no known words, gives ``default``.
    """
    words = [word.lower() for word in _WORD.findall(text)]
    norwegian = sum(word in _NORWEGIAN for word in words)
    english = sum(word in _ENGLISH for word in words)
    norwegian += len(_NORWEGIAN_LETTERS.findall(text)) > 0
    if norwegian > english:
        return "nb"
    if english > norwegian:
        return "en"
    return default
