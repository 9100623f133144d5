"""`distro run` as a new user runs it: embedded servers, migrations, demo data, web, worker, cron; Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from bench.harness import free_port


@pytest.fixture
def var_dir() -> Iterator[Path]:
    """A VAR_DIR outside pytest's temporary root, which pytest makes 0700 whenever a session starts.

    Run as root, the embedded PostgreSQL runs as pgserver's own user, and initdb, pg_ctl and the
    server itself reach the data directory by its absolute path: inside that root they would fail
    as soon as any other pytest session (another suite on the machine) started.
    """
    with tempfile.TemporaryDirectory(prefix="distro-run-") as directory:
        yield Path(directory) / "var"


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


def start_distro_run(var_dir: Path, **distro_env: str) -> tuple[subprocess.Popen, str]:
    """Start `distro run` with only the given DISTRO_* settings; return it and its base URL once ready."""
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DISTRO_")},
        "DISTRO_VAR_DIR": str(var_dir),
        "DISTRO_BIND": f"127.0.0.1:{port}",
        **{f"DISTRO_{key}": value for key, value in distro_env.items()},
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
    deadline = time.monotonic() + 120
    while True:
        try:
            if get(f"{base}/readyz")[0] == 200:
                return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"distro run did not become ready:\n{stop(process)}")
        time.sleep(0.5)


def stop(process: subprocess.Popen) -> str:
    """Ctrl-C, as a user at the terminal would; return everything it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


def server_log_tail(var_dir: Path, lines: int = 40) -> str:
    """The end of the embedded PostgreSQL's own log (pgserver writes it to the data directory)."""
    log = var_dir / "postgres" / "log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


@pytest.mark.timeout(180)
def test_distro_run_serves_the_product_and_stops_cleanly_on_ctrl_c(var_dir):
    process, base = start_distro_run(var_dir)
    try:
        status, body = get(f"{base}/readyz")
        assert body["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
        assert get(f"{base}/api/docs")[0] == 200
        status, token = get(
            f"{base}/api/v1/auth/token",
            {"grant_type": "password", "email": "finance@distro.demo", "password": "distro-demo-2026"},
        )
        assert status == 200 and token["token_type"] == "Bearer"
    finally:
        output = stop(process)
    # On a failure, say why: what `distro run` printed and what PostgreSQL logged while stopping.
    explained = f"distro run printed:\n{output}\nPostgreSQL logged:\n{server_log_tail(var_dir)}"
    assert process.returncode == 0, explained
    assert "web stopped" in output and "worker stopped" in output and "cron stopped" in output, explained
    assert "embedded PostgreSQL stopped" in output, explained
    assert not (var_dir / "postgres" / "postmaster.pid").exists(), explained
    assert "embedded Redis stopped" in output, explained
    with pytest.raises(redis_lib.exceptions.ConnectionError):
        redis_lib.Redis.from_url(f"unix://{var_dir / 'redis' / 'redis.sock'}").ping()
    with pytest.raises(OSError):
        get(f"{base}/healthz")


@pytest.mark.timeout(120)
def test_distro_run_with_the_database_url_set_starts_and_stops_only_the_embedded_redis(var_dir, committed_db):
    process, base = start_distro_run(var_dir, DATABASE_URL=committed_db, DEMO_DATA="false")
    try:
        assert get(f"{base}/readyz")[1]["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
        assert (var_dir / "redis" / "redis.sock").exists()
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "embedded Redis stopped" in output
    assert "PostgreSQL" not in output and not (var_dir / "postgres").exists()


def helper_pids(run: subprocess.Popen, command: str) -> list[int]:
    """The live `distro <command>` processes started by this `distro run`'s supervisor (not their own children)."""
    import psutil

    def command_line(process: psutil.Process) -> list[str]:
        try:
            return process.cmdline() if process.status() != psutil.STATUS_ZOMBIE else []
        except psutil.Error:  # ended meanwhile
            return []

    supervisors = [
        child
        for child in psutil.Process(run.pid).children(recursive=True)
        if command_line(child)[-3:] == ["-m", "distro.supervise", command]
    ]
    return [
        helper.pid
        for supervisor in supervisors
        for helper in supervisor.children()
        if command_line(helper)[-3:] == ["-m", "distro.cli", command]
    ]


@pytest.mark.timeout(180)
def test_a_helper_that_dies_is_started_again_and_the_web_server_keeps_serving(var_dir):
    process, base = start_distro_run(var_dir, DEMO_DATA="false")
    try:
        [worker] = helper_pids(process, "worker")
        [cron] = helper_pids(process, "cron")
        os.kill(worker, signal.SIGKILL)  # as the kernel's OOM killer would
        os.kill(cron, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not (helper_pids(process, "worker") and helper_pids(process, "cron")):
            assert process.poll() is None and time.monotonic() < deadline, stop(process)
            time.sleep(0.5)
        assert helper_pids(process, "worker") != [worker] and helper_pids(process, "cron") != [cron]
        assert get(f"{base}/readyz")[0] == 200
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "starting it again" in output and "worker stopped" in output and "web stopped" in output, output
