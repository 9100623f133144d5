"""`distro run` as a new user runs it: embedded servers, migrations, demo data, web, worker, cron; Ctrl-C."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, data: dict | None = None) -> tuple[int, dict | str]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        text, status = error.read().decode(), error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


@pytest.mark.timeout(180)
def test_distro_run_serves_the_product_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DISTRO_")},
        "DISTRO_VAR_DIR": str(tmp_path / "var"),
        "DISTRO_BIND": f"127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "distro.cli", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = get(f"{base}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "distro run did not become ready"
            time.sleep(0.5)
        assert body["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
        assert get(f"{base}/api/docs")[0] == 200
        status, token = get(
            f"{base}/api/v1/auth/token",
            {"grant_type": "password", "email": "finance@distro.demo", "password": "distro-demo-2026"},
        )
        assert status == 200 and token["token_type"] == "Bearer"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "web stopped" in output and "worker stopped" in output and "cron stopped" in output
    assert "embedded PostgreSQL stopped" in output
    assert not (tmp_path / "var" / "postgres" / "postmaster.pid").exists()
    with pytest.raises(OSError):
        get(f"{base}/healthz")
