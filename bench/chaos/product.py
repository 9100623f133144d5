"""The product under the chaos drill: `distro run` on a data directory of its own, its processes, and real
outages of its embedded Redis and PostgreSQL (distro/embedded.py starts them, and starts them again).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from bench.chaos.client import Http
from distro import embedded
from distro.settings import PROJECT_ROOT

READY_TIMEOUT_SECONDS = 300
"""How long a first start may take: initdb, migrations, demo data and its pictures, on a busy machine."""
STOP_TIMEOUT_SECONDS = 120
"""How long `distro run` may take to stop after Ctrl-C, its PostgreSQL's shutdown checkpoint included."""
ROLES = {"web": "granian", "worker": "distro.cli worker", "cron": "distro.cli cron"}
"""Each process of `distro run` (Procfile's names) and what its command line holds."""


@dataclass(frozen=True)
class Running:
    """A process as first seen: its pid and when it started (so a reused pid is not mistaken for it)."""

    pid: int
    started: float

    def alive(self) -> bool:
        """True while this very process runs."""
        try:
            process = psutil.Process(self.pid)
            return process.create_time() == self.started and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False


def child_environment(var_dir: Path, port: int) -> dict[str, str]:
    """`distro run`'s environment: the defaults (no DISTRO_* of the shell), on var_dir and the port.

    No database or Redis URL, so it starts its own under var_dir; no public address, so the demo cashier
    sends its order.paid to this port.
    """
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DISTRO_")}
    return {**environment, "DISTRO_VAR_DIR": str(var_dir), "DISTRO_BIND": f"127.0.0.1:{port}"}


def clear(var_dir: Path) -> None:
    """Stop the embedded servers a previous drill left on var_dir, and empty it: each drill starts afresh."""
    stop_servers(var_dir)
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)


def start(var_dir: Path, port: int, log: Path) -> subprocess.Popen:
    """Start `distro run` (its output to log) and wait until /readyz answers 200."""
    with log.open("wb") as output:
        # A session of its own: a Ctrl-C at the drill's terminal reaches the drill, which stops the product.
        process = subprocess.Popen(
            [sys.executable, "-m", "distro.cli", "run"],
            env=child_environment(var_dir, port),
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    http = Http(port, timeout=5)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        with contextlib.suppress(OSError):
            if http.request("GET", "/readyz").status == 200:
                http.close()
                return process
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"distro run did not become ready; see {log}")
        time.sleep(0.5)


def processes(run: subprocess.Popen, wait: float = 60) -> dict[str, Running]:
    """`distro run`'s web, worker and cron processes (the first of each: not web's workers nor a job's horse)."""
    deadline = time.monotonic() + wait
    while True:
        found: dict[str, Running] = {}
        for process in psutil.Process(run.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                command = " ".join(process.cmdline())
                parent = " ".join(process.parent().cmdline())
                for role, mark in ROLES.items():
                    if mark in command and mark not in parent:
                        found[role] = Running(process.pid, process.create_time())
        if len(found) == len(ROLES) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def stop(run: subprocess.Popen) -> int:
    """Ctrl-C `distro run`, as at its terminal, and wait for it; kill its group if it does not stop. Its code."""
    if run.poll() is None:
        run.send_signal(signal.SIGINT)
    try:
        return run.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)  # the group of the session it was started in: its own processes
        return run.wait()


def stop_servers(var_dir: Path) -> None:
    """Stop the embedded servers on var_dir, if any still runs (the drill may have started them again)."""
    embedded.stop_redis(var_dir)
    embedded.stop_postgres(var_dir)


def redis_url(var_dir: Path) -> str:
    """The URL of the embedded Redis on var_dir (which must be running)."""
    url, started = embedded.ensure_redis(var_dir)
    assert not started, "the drill found the product's Redis stopped"
    return url


def database_url(var_dir: Path) -> str:
    """The URL of the embedded PostgreSQL on var_dir (which must be running)."""
    url, started = embedded.ensure_postgres(var_dir)
    assert not started, "the drill found the product's PostgreSQL stopped"
    return url


def kill_redis(var_dir: Path) -> int:
    """Kill the embedded Redis outright (SIGKILL), as a crash or the OOM killer would; return its pid.

    Its socket then refuses connections until it starts again. What it had written to its append-only
    file is in the file system, so starting it again brings its data back.
    """
    pid = int(redis.Redis.from_url(redis_url(var_dir)).info("server")["process_id"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis (pid {pid}) did not die")
        time.sleep(0.05)
    return pid


def _gone(pid: int) -> bool:
    # A daemon's parent is init, which in a container may never reap it: a zombie is gone too.
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def start_redis(var_dir: Path) -> None:
    """Start the embedded Redis again: the same socket, directory and append-only file."""
    embedded.ensure_redis(var_dir)


def stop_postgres(var_dir: Path) -> None:
    """Stop the embedded PostgreSQL by a fast shutdown (`pg_ctl stop -m fast`), waited for to its end."""
    embedded.stop_postgres(var_dir)


def start_postgres(var_dir: Path) -> None:
    """Start the embedded PostgreSQL again on the same data directory."""
    embedded.ensure_postgres(var_dir)
