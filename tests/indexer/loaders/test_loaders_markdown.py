from __future__ import annotations

import hashlib
import itertools
from datetime import date
from pathlib import Path

import pytest

from indexer.loaders import LoadError, load_document

WITH_FRONT_MATTER = """---
id: cips-oversikt
title: CIPS i korte trekk
kind: contract
topic: cips
language: nb
published: 2023-12-14
pilot:
  name: ignored block
---

# CIPS

Innledning om avtalen.

## Hvem kan bruke den

- statlige virksomheter
- kommuner

### Unntak

Noen unntak gjelder.

## Kode

```markdown
# ikke en overskrift
```

~~~
## heller ikke
~~~
"""


def write(knowledge_dir: Path, name: str, content: str | bytes) -> Path:
    path = knowledge_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_front_matter_fields(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "cips/oversikt.md", WITH_FRONT_MATTER)
    document = load_document(path, knowledge_dir)
    assert document.meta.id == "cips-oversikt"
    assert document.meta.title == "CIPS i korte trekk"
    assert document.meta.kind == "contract"
    assert document.meta.topic == "cips"
    assert document.meta.published == date(2023, 12, 14)
    assert document.meta.reviewed is None
    assert document.path == "cips/oversikt.md"
    assert document.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document.warnings == ()


def test_markdown_heading_paths(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "cips/oversikt.md", WITH_FRONT_MATTER)
    sections = load_document(path, knowledge_dir).sections
    assert [section.heading_path for section in sections] == [
        ("CIPS",),
        ("CIPS", "Hvem kan bruke den"),
        ("CIPS", "Hvem kan bruke den", "Unntak"),
        ("CIPS", "Kode"),
    ]
    assert sections[0].text == "Innledning om avtalen."
    assert sections[1].text == "- statlige virksomheter\n- kommuner"
    assert sections[2].text == "Noen unntak gjelder."


def test_markdown_ignores_fenced_headings(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "cips/oversikt.md", WITH_FRONT_MATTER)
    code = load_document(path, knowledge_dir).sections[-1]
    assert "# ikke en overskrift" in code.text
    assert "## heller ikke" in code.text
    assert code.page is None


def test_markdown_defaults_without_front_matter(knowledge_dir: Path) -> None:
    text = "Intro before any heading.\n\n# The FAQ title\n\nThe answer is in the contract.\n"
    path = write(knowledge_dir, "Cyber/FAQ Cyber.md", text)
    document = load_document(path, knowledge_dir)
    assert document.meta.id == "cyber/faq-cyber"
    assert document.meta.title == "The FAQ title"
    assert document.meta.language == "en"
    assert document.meta.topic == "cyber"
    assert document.meta.published is None
    assert document.sections[0].heading_path == ()
    assert document.sections[0].text == "Intro before any heading."


def test_markdown_title_from_file_name(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "notat.md", "Bare tekst uten overskrift, og det er greit.\n")
    document = load_document(path, knowledge_dir)
    assert document.meta.title == "notat"
    assert document.meta.language == "nb"
    assert document.meta.topic == "general"


def test_markdown_norwegian_file_name(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "økonomi.md", "# Økonomi\n\nKostnader på sky.\n")
    document = load_document(path, knowledge_dir)
    assert document.path == "økonomi.md"
    assert document.meta.id == "okonomi"
    assert document.meta.title == "Økonomi"


def test_markdown_closing_hashes_stripped(knowledge_dir: Path) -> None:
    path = write(knowledge_dir, "a.md", "## Del ##\ntekst\n# C#\nmer\n")
    sections = load_document(path, knowledge_dir).sections
    assert sections[0].heading_path == ("Del",)
    assert sections[1].heading_path == ("C#",)


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        (
            "published: 14.12.2023",
            "front matter field 'published': invalid date '14.12.2023'; use YYYY-MM-DD",
        ),
        (
            "kind: manual",
            "front matter field 'kind': invalid value 'manual'; use one of guidance, "
            "regulation, contract, faq, pilot, news",
        ),
        (
            "audience: everyone",
            "front matter field 'audience': invalid value 'everyone'; use one of public, internal",
        ),
        (
            "title: 2023",
            "front matter field 'title': expected text, got int 2023; put the value in quotes",
        ),
        (
            "reviewed: [2023]",
            "front matter field 'reviewed': invalid date [2023]; use YYYY-MM-DD",
        ),
    ],
)
def test_markdown_invalid_front_matter(knowledge_dir: Path, front_matter: str, reason: str) -> None:
    path = write(knowledge_dir, "bad.md", f"---\n{front_matter}\n---\n# Tittel\n\nTekst.\n")
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason == reason
    assert caught.value.path == Path("bad.md")
    assert str(caught.value) == f"bad.md: {reason}"


@pytest.mark.parametrize(
    ("content", "reason_start"),
    [
        ("---\ntitle: [unclosed\n---\n# T\n\ntext\n", "front matter is not valid YAML"),
        ("---\n- a\n- b\n---\n# T\n\ntext\n", "front matter must be 'key: value' lines"),
        ("---\ntitle: Only metadata\n---\n", "empty document"),
        ("# Heading only\n\n## Another\n", "empty document"),
        ("", "empty document"),
        (" \n\t\n", "empty document"),
    ],
)
def test_markdown_rejected_content(knowledge_dir: Path, content: str, reason_start: str) -> None:
    path = write(knowledge_dir, "doc.md", content)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith(reason_start)


def test_markdown_binary_junk(knowledge_dir: Path) -> None:
    junk = bytes(range(256)) * 8
    path = write(knowledge_dir, "junk.md", junk)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("binary content")


def test_markdown_yaml_tags_not_executed(knowledge_dir: Path) -> None:
    content = "---\ntitle: !!python/object/apply:os.system ['true']\n---\n# T\n\ntext\n"
    path = write(knowledge_dir, "unsafe.md", content)
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("front matter is not valid YAML")


def alias_bomb(levels: int) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    names = "abcdefghijklmnop"[:levels]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    lines.append(f"title: *{names[levels - 1]}")
    return "---\n" + "\n".join(lines) + "\n---\n# T\n\ntext\n"


@pytest.mark.parametrize(
    "front_matter",
    [
        "base: &b Veileder\ntitle: *b",
        "title: &t Veileder",
        "base: &b {kind: faq}\nother:\n  <<: *b",
    ],
)
def test_markdown_yaml_aliases_rejected(knowledge_dir: Path, front_matter: str) -> None:
    path = write(knowledge_dir, "alias.md", f"---\n{front_matter}\n---\n# T\n\ntext\n")
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason == "front matter uses YAML aliases (&/*); write the values out"


def test_markdown_alias_bomb_rejected(knowledge_dir: Path) -> None:
    # Six levels of nine aliases expand to 9**6 (over 500 000) list items.
    path = write(knowledge_dir, "bomb.md", alias_bomb(6))
    with pytest.raises(LoadError) as caught:
        load_document(path, knowledge_dir)
    assert caught.value.reason.startswith("front matter uses YAML aliases")
    assert len(caught.value.reason) < 500
