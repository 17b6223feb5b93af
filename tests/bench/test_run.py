"""The benchmark's quick mode end to end: it runs and writes every table."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import REPO_ROOT

HEADINGS = [
    "# Benchmarks",
    "## Machine",
    "## Quality",
    "### All questions",
    "### Questions in nb",
    "### Questions in en",
    "### Fusion weight sweep",
    "## Speed",
    "### Warm `ask`, in process",
    "### Cold start of `mpsbot ask`",
    "### Full index build",
    "### Re-index",
    "## Scale",
    "### Warm `ask` latency",
    "### Build time and memory",
    "### Stages at 1,000 chunks",
]


def data_snapshot() -> dict[str, int]:
    """Return path -> mtime of everything under ./data, which the benchmark must not touch."""
    data_dir = REPO_ROOT / "data"
    if not data_dir.exists():
        return {}
    return {str(path): path.stat().st_mtime_ns for path in data_dir.rglob("*")}


@pytest.mark.slow
def test_bench_quick_writes_tables(tmp_path):
    output = tmp_path / "benchmarks.md"
    before = data_snapshot()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MPSBOT_")}
    environment["HF_HUB_OFFLINE"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--output", str(output)],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f"\n{heading}" in f"\n{text}", heading
    assert "| BM25 only |" in text
    assert "| dense only, MiniLM-L6 |" in text
    assert "| total |" in text
    assert data_snapshot() == before
