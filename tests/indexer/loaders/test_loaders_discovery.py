from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loaders import LoadError, discover_files, load_document


def touch(path: Path, text: str = "# Tittel\n\nTekst.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def relative(paths: list[Path], knowledge_dir: Path) -> list[str]:
    return [path.relative_to(knowledge_dir).as_posix() for path in paths]


def test_discover_supported_files_sorted(knowledge_dir: Path) -> None:
    for name in ["b/z.md", "a.HTML", "b/a.pdf", "c/d/e.docx", "notes.txt", "x.markdown", "y.htm"]:
        touch(knowledge_dir / name)
    files, problems = discover_files(knowledge_dir)
    assert relative(files, knowledge_dir) == [
        "a.HTML",
        "b/a.pdf",
        "b/z.md",
        "c/d/e.docx",
        "notes.txt",
        "x.markdown",
        "y.htm",
    ]
    assert problems == []


def test_discover_skips_hidden_and_unsupported(knowledge_dir: Path) -> None:
    touch(knowledge_dir / "routing.yaml", "topics: []\n")
    touch(knowledge_dir / ".draft.md")
    touch(knowledge_dir / ".git" / "notes.md")
    touch(knowledge_dir / "image.png")
    touch(knowledge_dir / "kept.md")
    files, problems = discover_files(knowledge_dir)
    assert relative(files, knowledge_dir) == ["kept.md"]
    assert problems == []


def test_discover_norwegian_file_name(knowledge_dir: Path) -> None:
    touch(knowledge_dir / "økonomi" / "årsrapport.md")
    files, _ = discover_files(knowledge_dir)
    assert relative(files, knowledge_dir) == ["økonomi/årsrapport.md"]
    document = load_document(files[0], knowledge_dir)
    assert document.meta.id == "okonomi/arsrapport"


def test_discover_reports_link_outside(tmp_path: Path, knowledge_dir: Path) -> None:
    outside_file = touch(tmp_path / "outside" / "secret.md")
    (knowledge_dir / "leak.md").symlink_to(outside_file)
    (knowledge_dir / "leakdir").symlink_to(outside_file.parent, target_is_directory=True)
    files, problems = discover_files(knowledge_dir)
    assert files == []
    assert [problem.path for problem in problems] == [Path("leak.md"), Path("leakdir")]
    assert all(
        problem.reason.startswith("symbolic link points outside the knowledge directory")
        for problem in problems
    )


def test_discover_link_inside_kept(knowledge_dir: Path) -> None:
    target = touch(knowledge_dir / "real" / "doc.md")
    (knowledge_dir / "alias.md").symlink_to(target)
    (knowledge_dir / "alias-dir").symlink_to(target.parent, target_is_directory=True)
    files, problems = discover_files(knowledge_dir)
    assert relative(files, knowledge_dir) == ["alias.md", "real/doc.md"]
    assert problems == []


def test_discover_broken_link(knowledge_dir: Path) -> None:
    (knowledge_dir / "dangling.md").symlink_to(knowledge_dir / "missing.md")
    files, problems = discover_files(knowledge_dir)
    assert files == []
    assert str(problems[0]) == "dangling.md: symbolic link target not found; fix or delete the link"


def test_discover_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"knowledge directory .* not found"):
        discover_files(tmp_path / "nowhere")


def test_load_rejects_link_outside(tmp_path: Path, knowledge_dir: Path) -> None:
    outside_file = touch(tmp_path / "outside.md")
    link = knowledge_dir / "leak.md"
    link.symlink_to(outside_file)
    with pytest.raises(LoadError) as caught:
        load_document(link, knowledge_dir)
    assert caught.value.reason.startswith("file is outside the knowledge directory")
