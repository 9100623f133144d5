"""The cluster's processes: start the operating system's PostgreSQL (primary and streaming replica), Redis and HAProxy
and distro's web, worker and cron processes on a plan's addresses, stop, kill and start them again.

Every process runs in a session of its own with its output in var/cluster/logs/<name>.log, so a Ctrl-C at the
terminal reaches only `distro cluster`, which then stops them in order: the proxy and distro first, the servers last.
Debian's PostgreSQL refuses to run as root: as root, its programs run as the `postgres` system user, which owns
the data directories.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from distro.cluster.plan import (
    DATABASE,
    DATABASE_USER,
    HBA,
    POSTGRES_PORT,
    REDIS_PORT,
    REPLICATION_SLOT,
    Plan,
    haproxy_config,
    postgres_options,
    process_environment,
    redis_argv,
)

log = logging.getLogger(__name__)

POSTGRES_USER = "postgres"
"""The system user Debian's PostgreSQL runs as when distro cluster runs as root."""
READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 60
HAPROXY = "/usr/sbin/haproxy"
REDIS_SERVER = "/usr/bin/redis-server"


class ClusterError(RuntimeError):
    """The cluster cannot start; the message says what is missing or taken."""


def postgres_bindir() -> Path:
    """Debian's PostgreSQL programs (the newest installed): not whatever `postgres` is first on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(Path(path).parts[-3]))
    if not found:
        raise ClusterError("Debian's PostgreSQL is not installed: run `make cluster` (it installs postgresql).")
    return Path(found[-1]).parent


def _as_postgres() -> dict:
    """Popen's arguments that run a program as the postgres system user when we are root (nothing otherwise)."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam(POSTGRES_USER)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam(POSTGRES_USER)
        os.chown(path, account.pw_uid, account.pw_gid)


@dataclass
class Process:
    """One process of the cluster: its command line, environment and log, and the running process once started."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    as_postgres: bool = False
    stop_signal: int = signal.SIGTERM
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start it in a session of its own, appending its output to its log."""
        with self.log_path.open("ab") as output:
            self.popen = subprocess.Popen(  # noqa: S603 - the cluster's own command lines
                list(self.argv),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(self.env) if self.env is not None else None,
                cwd=self.cwd,
                start_new_session=True,
                **(_as_postgres() if self.as_postgres else {}),
            )

    @property
    def pid(self) -> int | None:
        """Its pid while started."""
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        """True while it runs."""
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """Send its stop signal to its whole session's group and wait; kill the group when it does not end in time."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, self.stop_signal)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            code = self.popen.wait()
        # What the process group still holds (a granian worker, a job's horse) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        return code

    def kill_supervised(self) -> list[int]:
        """SIGKILL the process this one supervises (distro.supervise's child) and all of its own: a machine's web
        server or worker dying outright. The supervisor starts it again. Returns the pids killed."""
        assert self.popen is not None
        children = psutil.Process(self.popen.pid).children(recursive=True)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(children, timeout=10)
        return [child.pid for child in children]

    def supervised_pid(self) -> int | None:
        """The pid of the process distro.supervise runs now, if any."""
        if self.popen is None:
            return None
        with contextlib.suppress(psutil.Error):
            children = psutil.Process(self.popen.pid).children()
            return children[0].pid if children else None
        return None


def address_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when host:port accepts a connection."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(bind: str, path: str, timeout: float = 2.0) -> bool:
    """True when GET path on bind ("host:port") answers 200."""
    import http.client

    host, port = bind.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def wait_until(what: str, ready: Callable[[], bool], process: Process | None = None) -> None:
    """Wait until ready() holds; ClusterError when the process died first or READY_TIMEOUT_SECONDS passed."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not ready():
        if process is not None and process.popen is not None and process.popen.poll() is not None:
            raise ClusterError(f"{what} ended with exit code {process.popen.returncode}; see {process.log_path}")
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} was not ready in {READY_TIMEOUT_SECONDS} s")
        time.sleep(0.2)


class Cluster:
    """The whole cluster on one machine, as a plan places it, its data and logs under var_dir (emptied at start)."""

    def __init__(
        self, plan: Plan, var_dir: Path, *, environ: Mapping[str, str] | None = None, report: Callable[[str], None]
    ) -> None:
        self.plan = plan
        self.var_dir = var_dir.resolve()
        self.logs = self.var_dir / "logs"
        self.report = report
        self.bindir = postgres_bindir()
        self.env = process_environment(plan, os.environ if environ is None else environ, str(self.var_dir))
        self.primary = self._postgres("primary", plan.primary)
        self.replica = self._postgres("replica", plan.replica)
        self.redis = Process(
            "redis",
            redis_argv(REDIS_SERVER, host=plan.redis, directory=str(self.var_dir / "redis")),
            self._log("redis"),
        )
        # SIGUSR1 is HAProxy's soft stop: it closes its listener and ends once the requests in flight are answered.
        self.haproxy = Process(
            "haproxy",
            [HAPROXY, "-db", "-f", str(self.var_dir / "haproxy.cfg")],
            self._log("haproxy"),
            env=self.env,
            stop_signal=signal.SIGUSR1,
        )
        supervised = [sys.executable, "-m", "distro.supervise"]
        self.webs = [
            self._distro(f"web{number}", [*supervised, "web", "--bind", bind])
            for number, bind in enumerate(plan.web_binds, 1)
        ]
        self.workers = [self._distro(f"worker{n}", [*supervised, "worker"]) for n in range(1, plan.workers + 1)]
        self.cron = self._distro("cron", [*supervised, "cron"])

    def _log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def _postgres(self, name: str, host: str) -> Process:
        data = self.var_dir / name
        options = postgres_options(listen=host, sockets=str(self.var_dir / "sockets" / name), log_name=name)
        # SIGINT is PostgreSQL's fast shutdown (`pg_ctl stop -m fast`): sessions end, a checkpoint is written.
        return Process(
            name,
            [str(self.bindir / "postgres"), "-D", str(data), *options],
            self._log(name),
            cwd=data,
            as_postgres=True,
            stop_signal=signal.SIGINT,
        )

    def _distro(self, name: str, argv: list[str]) -> Process:
        return Process(name, argv, self._log(name), env=self.env)

    @property
    def distro_processes(self) -> list[Process]:
        """Web, workers and cron."""
        return [*self.webs, *self.workers, self.cron]

    def up(self) -> None:
        """Start everything afresh on empty data, in dependency order, and wait until the proxy answers /readyz."""
        self._refuse_taken_addresses()
        self._fresh_directories()
        initdb = [str(self.bindir / "initdb"), "-D", str(self.var_dir / "primary"), "-U", POSTGRES_USER]
        self._run_as_postgres([*initdb, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        (self.var_dir / "primary" / "pg_hba.conf").write_text(HBA)
        self.start_postgres(self.primary)
        self._psql(
            f"CREATE ROLE {DATABASE_USER} LOGIN", f"CREATE DATABASE {DATABASE} OWNER {DATABASE_USER} ENCODING 'UTF8'"
        )
        self.report(f"PostgreSQL primary on {self.plan.primary}:{POSTGRES_PORT}")
        # -C -S: the base backup creates the replica's slot; -R: it writes standby.signal and primary_conninfo.
        replica = self.var_dir / "replica"
        backup = [str(self.bindir / "pg_basebackup"), "-h", self.plan.primary, "-p", str(POSTGRES_PORT)]
        self._run_as_postgres(
            [
                *backup,
                "-U",
                POSTGRES_USER,
                "-D",
                str(replica),
                "-R",
                "-C",
                "-S",
                REPLICATION_SLOT,
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        self.start_postgres(self.replica)
        self.report(f"PostgreSQL replica on {self.plan.replica}:{POSTGRES_PORT} (streaming, slot {REPLICATION_SLOT})")
        self.redis.start()
        wait_until("redis-server", lambda: answers(self.plan.redis, REDIS_PORT), self.redis)
        self.report(f"Redis on {self.plan.redis}:{REDIS_PORT}")
        self._distro_command("migrate")
        self._distro_command("demo")
        for process in self.distro_processes:
            process.start()
        for process, bind in zip(self.webs, self.plan.web_binds, strict=True):
            wait_until(f"distro {process.name} on {bind}", functools.partial(http_ok, bind, "/readyz"), process)
        self.report("web: " + ", ".join(self.plan.web_binds) + f"; {len(self.workers)} workers; cron")
        (self.var_dir / "haproxy.cfg").write_text(haproxy_config(self.plan))
        self.haproxy.start()
        wait_until("HAProxy", lambda: http_ok(self.plan.proxy_bind, "/readyz"), self.haproxy)
        self.report(f"HAProxy on {self.plan.proxy_bind}: distro at {self.plan.public_base_url}")

    def down(self) -> None:
        """Stop everything: the proxy and distro's processes, then Redis, the replica and the primary."""
        for process in [self.haproxy, *self.distro_processes, self.redis, self.replica, self.primary]:
            if process.alive():
                code = process.stop()
                self.report(f"{process.name} stopped (exit code {code})")

    def start_postgres(self, process: Process) -> None:
        """Start a PostgreSQL of the cluster (again) and wait until it accepts connections."""
        process.start()
        host = self.plan.primary if process is self.primary else self.plan.replica
        isready = [str(self.bindir / "pg_isready"), "-q", "-h", host, "-p", str(POSTGRES_PORT), "-U", POSTGRES_USER]
        wait_until(
            f"PostgreSQL {process.name}",
            lambda: subprocess.run(isready, check=False).returncode == 0,  # noqa: S603 - Debian's pg_isready
            process,
        )

    def stop_replica(self) -> None:
        """Stop the replica by a fast shutdown, waited for to its end."""
        self.replica.stop()

    def replica_lag_bytes(self) -> int | None:
        """How many bytes of WAL the replica has still to replay, as the primary sees its slot (None: not streaming)."""
        out = self._psql_value("SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)) FROM pg_stat_replication")
        return int(float(out)) if out else None

    def _refuse_taken_addresses(self) -> None:
        wanted = [(self.plan.primary, POSTGRES_PORT), (self.plan.replica, POSTGRES_PORT), (self.plan.redis, REDIS_PORT)]
        wanted += [(host, int(port)) for host, port in (bind.rsplit(":", 1) for bind in self.plan.web_binds)]
        wanted.append(("127.0.0.1", self.plan.proxy_port))
        taken = [f"{host}:{port}" for host, port in wanted if not address_free(host, port)]
        if taken:
            raise ClusterError(
                f"{', '.join(taken)} already in use, perhaps by a cluster already running: stop it, or choose another "
                "subnet and port (distro cluster --subnet 127.0.20 --port 8710)."
            )

    def _fresh_directories(self) -> None:
        shutil.rmtree(self.var_dir, ignore_errors=True)
        for directory in (self.var_dir, self.logs, self.var_dir / "redis", self.var_dir / "sockets"):
            directory.mkdir(parents=True, exist_ok=True)
        self.var_dir.chmod(0o755)  # the postgres user reaches its directories through it
        sockets = self.var_dir / "sockets"
        for directory in (sockets / "primary", sockets / "replica", self.var_dir / "replica"):
            directory.mkdir(exist_ok=True)
            _give_to_postgres(directory)
        (self.var_dir / "replica").chmod(0o700)
        primary = self.var_dir / "primary"
        primary.mkdir(mode=0o700)
        _give_to_postgres(primary)

    def _run_as_postgres(self, argv: list[str]) -> None:
        with self._log("setup").open("ab") as output:
            done = subprocess.run(  # noqa: S603 - Debian's PostgreSQL programs
                argv, stdout=output, stderr=subprocess.STDOUT, cwd=self.var_dir, check=False, **_as_postgres()
            )
        if done.returncode != 0:
            raise ClusterError(f"{Path(argv[0]).name} failed (exit code {done.returncode}); see {self._log('setup')}")

    def _psql(self, *statements: str) -> None:
        for statement in statements:
            self._run_as_postgres(self._psql_argv(statement))

    def _psql_argv(self, statement: str) -> list[str]:
        host = ["-h", self.plan.primary, "-p", str(POSTGRES_PORT), "-U", POSTGRES_USER, "-d", "postgres"]
        return [str(self.bindir / "psql"), *host, "-v", "ON_ERROR_STOP=1", "-XAtqc", statement]

    def _psql_value(self, statement: str) -> str:
        done = subprocess.run(  # noqa: S603 - Debian's psql
            self._psql_argv(statement), capture_output=True, text=True, check=False, cwd=self.var_dir, **_as_postgres()
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    def _distro_command(self, command: str) -> None:
        with self._log(command).open("ab") as output:
            done = subprocess.run(  # noqa: S603 - distro's own command
                [sys.executable, "-m", "distro.cli", command],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self.env,
                check=False,
            )
        if done.returncode != 0:
            raise ClusterError(f"distro {command} failed (exit code {done.returncode}); see {self._log(command)}")
        self.report(f"distro {command}: done")
