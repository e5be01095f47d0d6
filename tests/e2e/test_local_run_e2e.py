"""The front door: `shopctl local up` (what `make run` runs) serves the API, writes api_url, stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from shopctl import localstack


def test_local_up_serves_the_api_and_stops_everything_on_interrupt(tmp_path: Path) -> None:
    port = localstack.free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "shopctl.cli", "local", "up", "--port", str(port), "--work-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # ends if the process dies before printing the URL
            lines.append(line)
            if line.startswith("API_URL="):
                break
        api_url = lines[-1].strip().removeprefix("API_URL=")
        assert api_url.startswith(f"http://127.0.0.1:{port}/"), "".join(lines)
        assert not api_url.endswith("/")
        assert (tmp_path / "api_url").read_text().strip() == api_url

        docs = requests.get(f"{api_url}/docs", timeout=60)
        anonymous = requests.get(f"{api_url}/customers", timeout=60)
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text
        assert anonymous.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)

    assert process.returncode == 0, output
    assert "Stopped." in output
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the emulator is still listening"
