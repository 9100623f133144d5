"""The `distro` command: run everything, or one process at a time for production."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from distro.clock import BUSINESS_TZ, BUSINESS_TZ_NAME
from distro.settings import ConfigurationError, load_settings
from distro.urls import split_bind

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlmodel import Session

    from distro.embedded import Started

# honcho's return codes when it stopped everything because it received SIGINT or SIGTERM.
STOPPED_BY_SIGNAL = (130, 143)


def _settings() -> dict:
    return _with_servers(_loaded_settings())[0]


def _loaded_settings() -> dict:
    """The settings, as they stand before any embedded server is looked for."""
    try:
        return load_settings()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def _with_servers(settings: dict) -> tuple[dict, Started]:
    """The settings with server URLs filled in, and which embedded servers that started."""
    from distro.embedded import start_missing

    try:
        return start_missing(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def _session_scope(url: str) -> AbstractContextManager[Session]:
    """A session on the database at url for one command, every table known to the ORM before it flushes."""
    import distro.models  # noqa: F401 - the CLI is a composition root: it loads every table, as app.py does
    from distro.db import session_scope

    return session_scope(url)


def refuse_a_taken_address(bind: str) -> None:
    """Refuse (a ClickException: message, exit 1) to serve on bind ("host:port") when it cannot be listened on.

    granian listens with SO_REUSEPORT, so a second server on a port already served would start and silently
    take half its connections. Binding here without it fails instead while anything listens there. Asked
    before starting anything, so a refused `distro run` leaves the embedded servers of the one already
    running on its ./var alone.
    """
    host, port = split_bind(bind)
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host or "0.0.0.0",  # noqa: S104 - as web_server_argv: a BIND of ":8000" is every interface
            int(port),
            type=socket.SOCK_STREAM,
            flags=socket.AI_PASSIVE,
        )[0]
    except (ValueError, OSError) as error:
        raise click.ClickException(f"DISTRO_BIND={bind!r} is not a host:port to listen on ({error}).") from error
    with socket.socket(family, kind, protocol) as probe:
        # A port whose last connections are still closing (TIME_WAIT) is free to listen on, as for granian.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"{bind} is already in use, perhaps by a distro already running: stop it, or serve on "
                    "another port with DISTRO_BIND (e.g. DISTRO_BIND=127.0.0.1:8101)."
                ) from error
            raise click.ClickException(f"cannot listen on {bind}: {error.strerror}.") from error


@click.group()
def main() -> None:
    """distro: S2B2C social distribution engine."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
def migrate() -> None:
    """Apply database migrations."""
    from distro import migrate as migrations

    url = _settings()["DATABASE_URL"]
    migrations.upgrade(url)
    click.echo(f"database at revision {migrations.current_revision(url)}")


@main.command()
def demo() -> None:
    """Load demo accounts and data into an empty database."""
    from distro.demo import DEMO_PASSWORD, load_demo_data

    settings = _settings()
    with _session_scope(settings["DATABASE_URL"]) as session:
        if load_demo_data(session=session, settings=settings):
            click.echo(f"demo data loaded; every demo account's password is {DEMO_PASSWORD}")
        else:
            click.echo("database already has accounts; demo data not loaded")


@main.command()
@click.option("--bind", default=None, help="host:port (default: BIND setting)")
def web(bind: str | None) -> None:
    """Serve the API with granian (refused when the address is already taken)."""
    settings = _loaded_settings()
    address = bind or settings["BIND"]
    refuse_a_taken_address(address)
    settings, _ = _with_servers(settings)
    _export_urls(settings)
    if bind:
        os.environ["DISTRO_BIND"] = bind  # the app served derives its public address from it in development
    argv = [*web_server_argv(settings, bind=address), "--access-log"]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the web server


def web_server_argv(settings: Mapping[str, Any], *, bind: str, app: str = "distro.wsgi:app") -> list[str]:
    """The production web server's command line: granian serving the WSGI app on bind ("host:port")
    with WEB_WORKERS processes of WEB_THREADS threads each. The benchmarks run the same one.

    Granian does the HTTP work (parsing, keep-alive, writing) in Rust and runs only the app in
    Python; on this project's webhook it spent about 0.26 ms less CPU per request than gunicorn's
    gthread worker, whose connection handoffs between threads cost more than the app itself.
    """
    host, port = split_bind(bind)
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host or "0.0.0.0",  # noqa: S104 - a BIND of ":8000" asks for every interface
        "--port",
        port,
        "--workers",
        str(settings["WEB_WORKERS"]),
        "--blocking-threads",
        str(settings["WEB_THREADS"]),
        "--respawn-failed-workers",  # a worker that dies is replaced, not left missing
        "--workers-kill-timeout",
        "10",  # a TERM lets requests in flight finish for up to 10 s
        app,
    ]


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker on distro's queues (an outage of Redis or PostgreSQL delays it, never ends it)."""
    from distro.queue import QUEUE_NAMES
    from distro.settings import current_settings
    from distro.worker import preload_job_modules, run_worker

    settings = _settings()
    _export_urls(settings)
    preload_job_modules()
    # The settings the work horses will read, made once here rather than in every horse.
    database_url = current_settings()["DATABASE_URL"]
    run_worker(settings["REDIS_URL"], database_url, QUEUE_NAMES, burst=burst)


@main.command()
@click.option("--config", default=None, help="An `rq cron` config module to run instead of distro.cron.")
def cron(config: str | None) -> None:
    """Run RQ's cron scheduler with distro's schedule (cron times in Asia/Shanghai; outages of Redis delay it)."""
    from distro.queue import redis_for
    from distro.scheduler import run_cron

    os.environ["TZ"] = BUSINESS_TZ_NAME
    time.tzset()
    settings = _settings()
    run_cron(redis_for(settings["REDIS_URL"]), config)


@main.command()
@click.option(
    "--cutoff",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Cut-off in Asia/Shanghai time (default: now).",
)
@click.option("--as", "email", required=True, help="The finance user creating the batch.")
def settle(cutoff, email: str) -> None:
    """Create a settlement batch and compute it here, showing its progress."""
    import datetime as dt

    from distro.auth.models import Role
    from distro.auth.services import find_user_by_email
    from distro.settlement import batches, computing

    settings = _settings()
    _export_urls(settings)
    with _session_scope(settings["DATABASE_URL"]) as session:
        user = find_user_by_email(session, email)
        if user is None or Role.FINANCE.value not in user.roles:
            raise click.ClickException(f"{email} is not a finance user.")
        assert user.id is not None  # loaded from the database
        cutoff_at = cutoff.replace(tzinfo=BUSINESS_TZ) if cutoff else dt.datetime.now(dt.UTC)
        batch = batches.create_batch(session=session, cutoff_at=cutoff_at, created_by=user.id)
        assert batch.id is not None  # create_batch flushes and commits it
        with click.progressbar(length=3, label=f"batch {batch.id}", show_pos=True) as bar:

            def report(values: dict) -> None:
                bar.label = f"batch {batch.id}: {values}"
                bar.update(1)

            computing.compute_batch(
                session=session,
                batch_id=batch.id,
                progress=report,
                minimum_fen=int(settings["SETTLEMENT_MIN_PAYOUT_FEN"]),
            )
            bar.update(1)
        session.refresh(batch)
        click.echo(
            f"batch {batch.id} {batch.status}: {batch.lines_claimed} lines, {batch.payouts_count} payouts "
            f"({batch.held_count} held) totalling {batch.payout_total_fen} fen"
        )


@main.command()
def run() -> None:
    """Run the whole product: embedded PostgreSQL and Redis, migrations, demo data, web, worker, cron."""
    from honcho.manager import Manager

    from distro import embedded
    from distro import migrate as migrations
    from distro.demo import DEMO_PASSWORD, load_demo_data

    settings = _loaded_settings()
    refuse_a_taken_address(settings["BIND"])
    settings, started = _with_servers(settings)
    # From here on an error or a Ctrl-C (even during migrations) must not leave behind the servers we started.
    try:
        migrations.upgrade(settings["DATABASE_URL"])
        if settings["DEMO_DATA"]:
            with _session_scope(settings["DATABASE_URL"]) as session:
                if load_demo_data(session=session, settings=settings):
                    click.echo(
                        "demo data loaded: admin@, finance@, supplier@, owner@distro.demo and more (see README); "
                        f"password {DEMO_PASSWORD}"
                    )
        env = {**os.environ, "DISTRO_DATABASE_URL": settings["DATABASE_URL"], "DISTRO_REDIS_URL": settings["REDIS_URL"]}
        distro = f"{sys.executable} -m distro.cli"
        # honcho stops everything when one process ends: the helpers are restarted by distro.supervise
        # instead, so a dead worker or cron never takes the web server down.
        supervised = f"{sys.executable} -m distro.supervise"
        manager = Manager()
        manager.add_process("web", f"exec {distro} web", env=env)
        manager.add_process("worker", f"exec {supervised} worker", env=env)
        manager.add_process("cron", f"exec {supervised} cron", env=env)
        click.echo(f"distro is starting: API docs at {settings['PUBLIC_BASE_URL']}/api/docs (Ctrl-C stops everything)")
        manager.loop()
    finally:
        embedded.stop_started(Path(settings["VAR_DIR"]), started, click.echo)
    # Ctrl-C or a TERM is the way to stop: a clean exit. A process that died on its own is not.
    sys.exit(0 if manager.returncode in STOPPED_BY_SIGNAL else manager.returncode or 0)


@main.command()
@click.option("--subnet", default="127.0.10", show_default=True, help="The servers' loopback addresses (a /24).")
@click.option(
    "--port", type=int, envvar="CLUSTER_PORT", default=8700, show_default=True, help="The proxy's port (CLUSTER_PORT)."
)
@click.option("--var-dir", type=click.Path(path_type=Path), default=Path("var/cluster"), show_default=True)
def cluster(subnet: str, port: int, var_dir: Path) -> None:
    """Run a cluster on this machine: PostgreSQL primary and replica, Redis, HAProxy, two web, two workers, cron."""
    from distro.cluster.plan import Plan, check_plan
    from distro.cluster.servers import Cluster, ClusterError
    from distro.settings import PROJECT_ROOT

    plan = Plan(subnet=subnet, proxy_port=port)
    if failures := check_plan(plan):
        raise click.ClickException("; ".join(failures))
    try:
        the_cluster = Cluster(plan, var_dir if var_dir.is_absolute() else PROJECT_ROOT / var_dir, report=click.echo)
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    # Ctrl-C stops the cluster even when started where SIGINT is ignored (in the background of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        the_cluster.up()
        click.echo(f"the cluster is up: {plan.public_base_url}/api/docs; logs in {the_cluster.logs} (Ctrl-C stops it)")
        ended: set[str] = set()
        while not stopping:
            for process in [the_cluster.haproxy, the_cluster.redis, the_cluster.primary, the_cluster.replica]:
                if not process.alive() and process.name not in ended:
                    ended.add(process.name)
                    click.echo(f"{process.name} ended; see {process.log_path}", err=True)
            time.sleep(1)
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or a TERM) must not cut the stopping short and leave servers behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        click.echo("stopping the cluster")
        the_cluster.down()


def _export_urls(settings: dict) -> None:
    # Child processes (web server workers, forked job horses) must use the same servers.
    os.environ["DISTRO_DATABASE_URL"] = settings["DATABASE_URL"]
    os.environ["DISTRO_REDIS_URL"] = settings["REDIS_URL"]


if __name__ == "__main__":
    main()
