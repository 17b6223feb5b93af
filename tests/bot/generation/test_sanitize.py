import pytest

from bot.generation.sanitize import normalise_url, remove_foreign_links, remove_mentions, urls_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> Se kildene", " Se kildene"),
        ("Hei <@U024BE7LH>, se kildene", "Hei , se kildene"),
        ("Varsle <!subteam^S012|@drift> nå", "Varsle nå"),
        ("Se <#C0123|generelt>", "Se "),
        ("@here og @everyone og @channel", " og og "),
        ("Skriv til post@dfo.no", "Skriv til post@dfo.no"),
        ("Se <https://www.dfo.no|DFØ>", "Se <https://www.dfo.no|DFØ>"),
    ],
)
def test_remove_mentions_cases(text, expected):
    assert remove_mentions(text) == expected


ALLOWED = urls_in(["Les mer på https://www.dfo.no/cips."])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Se https://www.dfo.no/cips.", "Se https://www.dfo.no/cips."),
        ("Se http://dfo.no/cips/ i dag", "Se http://dfo.no/cips/ i dag"),
        ("Se https://evil.example/x.", "Se ."),
        ("Se www.evil.example nå", "Se nå"),
        ("Se <https://evil.example|her>", "Se her"),
        ("Se <https://www.dfo.no/cips|her>", "Se <https://www.dfo.no/cips|her>"),
        ("Se [her](https://evil.example/x)", "Se her"),
        ("Se [her](https://www.dfo.no/cips)", "Se [her](https://www.dfo.no/cips)"),
        ("Se https://www.dfo.no/cips-falsk", "Se "),
    ],
)
def test_remove_foreign_links_cases(text, expected):
    assert remove_foreign_links(text, ALLOWED) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.DFO.no/cips/", "dfo.no/cips"),
        ("http://dfo.no/cips.", "dfo.no/cips"),
        ("www.dfo.no", "dfo.no"),
    ],
)
def test_normalise_url_cases(url, expected):
    assert normalise_url(url) == expected
