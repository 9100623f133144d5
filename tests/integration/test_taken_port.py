"""A second `distro run` or `distro web` on an address already served refuses to start, and the first serves on."""

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.test_distro_run import get, start_distro_run, stop

REFUSED = "is already in use"


@pytest.fixture
def shared_var() -> Iterator[Path]:
    """The ./var both instances are given, outside pytest's temporary root (as test_distro_run's var_dir, why)."""
    with tempfile.TemporaryDirectory(prefix="distro-port-") as directory:
        yield Path(directory) / "var"


def second(command: str, var_dir: Path, bind: str) -> subprocess.CompletedProcess:
    """Run `distro <command>` as a second one on the first's address and ./var; what it printed and its exit."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DISTRO_")},
        "DISTRO_VAR_DIR": str(var_dir),
        "DISTRO_BIND": bind,
    }
    process = subprocess.Popen(  # noqa: S603 - this interpreter running distro
        [sys.executable, "-m", "distro.cli", command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        # It started serving beside the first instead of refusing: stop all it started before failing.
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"a second `distro {command}` on {bind} did not refuse to start:\n{output}")
    return subprocess.CompletedProcess(process.args, process.returncode, output)


@pytest.mark.timeout(300)
def test_a_second_distro_run_or_web_on_a_taken_port_refuses_and_the_first_serves_on(shared_var):
    first, base = start_distro_run(shared_var, DEMO_DATA="false")
    bind = urlsplit(base).netloc
    try:
        for command in ("run", "web"):
            refused = second(command, shared_var, bind)
            assert refused.returncode != 0, refused.stdout
            assert f"{bind} {REFUSED}" in refused.stdout, refused.stdout
            # Refused before anything started, so nothing of the first's was stopped either.
            assert "starting" not in refused.stdout and "stopped" not in refused.stdout, refused.stdout
            status, body = get(f"{base}/readyz")
            assert status == 200, body
            assert body["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}
    finally:
        output = stop(first)
    assert first.returncode == 0, output
    assert "embedded PostgreSQL stopped" in output and "embedded Redis stopped" in output, output
