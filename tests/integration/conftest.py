"""A real Chroma server on 127.0.0.1, started from the venv's ``chroma`` executable."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMA = Path(sys.executable).with_name("chroma")
START_TIMEOUT_SECONDS = 45.0
STOP_TIMEOUT_SECONDS = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_heartbeat(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"chroma run exited with {process.returncode}: {log.read_text(errors='replace')}"
            )
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(
        f"chroma server at {url} gave no heartbeat within {START_TIMEOUT_SECONDS:.0f} s: "
        f"{log.read_text(errors='replace')[-2000:]}"
    )


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """Start ``chroma run`` on a free port with its data under tmp_path; yield its URL."""
    if not CHROMA.is_file():
        pytest.skip(f"{CHROMA} not found; install chromadb into the venv")
    port = free_port()
    log = tmp_path / "chroma-server.log"
    arguments = [
        str(CHROMA),
        "run",
        "--path",
        str(tmp_path / "chroma-server"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(arguments, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
