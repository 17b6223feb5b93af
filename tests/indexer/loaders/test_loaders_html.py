from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loaders import LoadError, load_document

PAGE = """<!doctype html>
<html lang="en-GB">
<head>
  <title>Cloud &amp; security</title>
  <meta name="description" content="Description that must not be indexed">
  <style>p { color: red }</style>
</head>
<body class="has-cookie-banner">
  <header><a href="/">Site logo</a></header>
  <nav aria-label="Main"><ul><li>Home</li><li>Contact</li></ul></nav>
  <div id="cookie-consent">We use cookies <button>Accept</button></div>
  <div class="breadcrumb">Home / Guidance</div>
  <h1>Cloud services for the public sector</h1>
  <p>The first   paragraph
     with <b>bold</b> text &amp; the letter &aelig;.</p>
  <h2>Prices</h2>
  <table>
    <tr><th>Service</th><th>Price</th></tr>
    <tr><td>Storage</td><td>10 NOK</td></tr>
  </table>
  <h3>Discounts</h3>
  <ul><li>first item</li><li>second item</li></ul>
  <script>var tracking = "must not appear";</script>
  <form><label>Search</label><input name="q"></form>
  <aside>Related links</aside>
  <footer>Contact us at the office</footer>
</body>
</html>
"""


def load_page(knowledge_dir: Path, html: str, name: str = "page.html") -> list[tuple]:
    path = knowledge_dir / name
    path.write_text(html, encoding="utf-8")
    document = load_document(path, knowledge_dir)
    return [(section.heading_path, section.text) for section in document.sections]


def test_html_main_content_sections(knowledge_dir: Path) -> None:
    sections = load_page(knowledge_dir, PAGE)
    assert sections == [
        (
            ("Cloud services for the public sector",),
            "The first paragraph with bold text & the letter æ.",
        ),
        (
            ("Cloud services for the public sector", "Prices"),
            "Service | Price\nStorage | 10 NOK",
        ),
        (
            ("Cloud services for the public sector", "Prices", "Discounts"),
            "first item\nsecond item",
        ),
    ]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Site logo",
        "Home",
        "We use cookies",
        "Accept",
        "Guidance",
        "tracking",
        "Search",
        "Related links",
        "Contact us",
        "Description that must not be indexed",
        "color: red",
    ],
)
def test_html_drops_boilerplate(knowledge_dir: Path, boilerplate: str) -> None:
    text = "\n".join(text for _, text in load_page(knowledge_dir, PAGE))
    assert boilerplate not in text


def test_html_title_and_language(knowledge_dir: Path) -> None:
    path = knowledge_dir / "page.htm"
    path.write_text(PAGE, encoding="utf-8")
    document = load_document(path, knowledge_dir)
    assert document.meta.title == "Cloud & security"
    assert document.meta.language == "en"
    assert document.meta.id == "page"


def test_html_title_from_first_h1(knowledge_dir: Path) -> None:
    html = '<html lang="nb"><body><main><h1>Om &aring; kj&oslash;pe sky</h1><p>Tekst.</p></main>'
    path = knowledge_dir / "kjop.html"
    path.write_text(html, encoding="utf-8")
    document = load_document(path, knowledge_dir)
    assert document.meta.title == "Om å kjøpe sky"
    assert document.meta.language == "nb"


def test_html_prefers_main_element(knowledge_dir: Path) -> None:
    html = "<body><div>Outside main.</div><main><h2>Inside</h2><p>Main text.</p></main></body>"
    assert load_page(knowledge_dir, html) == [(("Inside",), "Main text.")]


def test_html_keeps_article_header(knowledge_dir: Path) -> None:
    html = "<main><article><header><h1>Article title</h1></header><p>Body.</p></article></main>"
    assert load_page(knowledge_dir, html) == [(("Article title",), "Body.")]


def test_html_deep_nesting(knowledge_dir: Path) -> None:
    # Deeper than Python's default recursion limit of 1000.
    depth = 5_000
    html = "<body>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body>"
    assert load_page(knowledge_dir, html) == [((), "deep text")]


def test_html_only_boilerplate(knowledge_dir: Path) -> None:
    html = "<body><nav>Menu</nav><footer>Footer</footer></body>"
    path = knowledge_dir / "empty.html"
    path.write_text(html, encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("empty document")
