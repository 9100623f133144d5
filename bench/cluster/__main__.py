"""`make cluster-drill` (`python -m bench.cluster`): the cluster drill.

Brings up a cluster of its own (distro/cluster: PostgreSQL primary and streaming replica, Redis, HAProxy, two web,
two workers, cron) on 127.0.11.* and var/cluster-drill (emptied first), with no commission hold. Keeps it under the
chaos drill's load through the proxy (signed webhooks, share clicks, buyers ordering and paying at the demo cashier)
and page views (the pool, the selection center, shop pages). Meanwhile it SIGKILLs one web server and one worker,
which their supervisors start again, and stops the replica (fast shutdown) and starts it again. Then wave 2's journey
for every order the buyers paid: shipped, receipt confirmed, commission released, a settlement batch computed,
approved by a second finance user and paid through the demo rail. Prints sent against accounted; exits 1 when
anything was lost, doubled, answered 5xx or left unanswered by the proxy, or the ledger does not balance.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from dataclasses import replace
from pathlib import Path

import redis
import sqlalchemy as sa

from bench.chaos import census
from bench.chaos.__main__ import Clock, settle, waiting_for
from bench.chaos.client import Tally
from bench.chaos.orders import OrderSystem
from bench.chaos.report import checks_table, phase_table, process_table
from bench.chaos.rules import Row, Window
from bench.chaos.shoppers import Buyers, Clicks, Visitors
from bench.cluster import journey
from bench.cluster.pages import PageViews
from distro.cluster.plan import Plan
from distro.cluster.servers import Cluster, Process, http_ok
from distro.settings import PROJECT_ROOT, load_settings

PHASES = ("steady", "web killed", "worker killed", "replica down", "after", "settling")
DRILL_SETTINGS = {
    # The journey settles in minutes: commission is payable as soon as receipt is confirmed.
    "DISTRO_COMMISSION_HOLD_DAYS": "0",
    "DISTRO_COMMISSION_HOLD_DAYS_BY_CATEGORY": "{}",
}


def arguments(argv: list[str]) -> argparse.Namespace:
    """The drill's options; every duration is in seconds."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.cluster",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seconds: dict = {"type": float, "metavar": "SECONDS"}
    parser.add_argument("--steady", default=20, help="load before the web server is killed (default 20)", **seconds)
    parser.add_argument("--between", default=20, help="load between two faults (default 20)", **seconds)
    parser.add_argument("--replica-outage", default=30, help="how long the replica is stopped (default 30)", **seconds)
    parser.add_argument("--after", default=20, help="load after the replica is back (default 20)", **seconds)
    parser.add_argument("--settle-timeout", default=600, help="longest wait to settle (default 600)", **seconds)
    parser.add_argument("--webhook-rate", type=float, default=8, help="new paid orders a second (default 8)")
    parser.add_argument("--click-rate", type=float, default=15, help="share-link clicks a second (default 15)")
    parser.add_argument("--page-rate", type=float, default=6, help="page views a second (default 6)")
    parser.add_argument("--buyers", type=int, default=2, help="buyers checking out at once (default 2)")
    parser.add_argument("--subnet", default="127.0.11", help="the servers' addresses (default 127.0.11)")
    parser.add_argument("--port", type=int, default=8711, help="the proxy's port (default 8711)")
    parser.add_argument("--var-dir", type=Path, default=Path("var/cluster-drill"), help="its data (emptied first)")
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir if args.var_dir.is_absolute() else PROJECT_ROOT / args.var_dir
    return args


def main(argv: list[str]) -> int:
    """Run the drill; 0 when every check passed."""
    args = arguments(argv)
    clock, run = Clock(), secrets.token_hex(3)
    plan = Plan(subnet=args.subnet, proxy_port=args.port)
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith("DISTRO_")}, **DRILL_SETTINGS}
    cluster = Cluster(plan, args.var_dir, environ=environ, report=clock.say)
    clock.say(f"cluster drill {run}: a cluster on {plan.subnet}.*, proxy {plan.proxy_bind}, data in {args.var_dir}")
    try:
        cluster.up()
        return drill(args, clock, run, cluster)
    finally:
        clock.say("stopping the cluster")
        cluster.down()
        tracebacks = {
            process.name: process.log_path.read_text(errors="replace").count("Traceback")
            for process in cluster.distro_processes
            if process.log_path.exists()
        }
        clock.say(f"tracebacks logged: {tracebacks}; logs in {cluster.logs}")


def drill(args: argparse.Namespace, clock: Clock, run: str, cluster: Cluster) -> int:
    """Load, faults, the journey and the accounting; 0 when every check passed."""
    plan = cluster.plan
    port = plan.proxy_port
    database = census.engine(plan.database_url(plan.primary))
    store = redis.Redis.from_url(plan.redis_url)
    catalog = census.catalog(database)
    clicks_before = census.click_totals(database)
    secret = load_settings(environ=cluster.env)["ORDER_WEBHOOK_SECRETS"][0]
    address_mark = f"cluster-{run}"

    tally, clicks = Tally(), Clicks()
    orders = OrderSystem(port, secret, catalog, run, args.webhook_rate, tally)
    visitors = Visitors(port, catalog, run, args.click_rate, tally, clicks)
    buyers = Buyers(port, catalog, run, args.buyers, tally, clicks, address_mark)
    shops = [(listing.shop, listing.product_id) for listing in catalog.listings]
    views = PageViews(port, shops, run, args.page_rate, tally)
    for load in (orders, visitors, buyers, views):
        load.start()

    def phase(name: str, seconds: float) -> None:
        tally.phase = name
        clock.say(f"{name}: {seconds:.0f} s of load")
        time.sleep(seconds)

    restarts: list[str] = []
    kills: list[Window] = []
    phase("steady", args.steady)
    tally.phase = "web killed"
    kills.append(_kill(clock, cluster.webs[0], lambda: http_ok(plan.web_binds[0], "/readyz"), restarts))
    phase("web killed", args.between)
    tally.phase = "worker killed"
    _kill(clock, cluster.workers[0], lambda: cluster.workers[0].supervised_pid() is not None, restarts)
    phase("worker killed", args.between)
    tally.phase = "replica down"
    cluster.stop_replica()
    clock.say(f"replica stopped (fast shutdown); reads meant for it go to the primary for {args.replica_outage:.0f} s")
    time.sleep(args.replica_outage)
    cluster.start_postgres(cluster.replica)
    clock.say("replica started again on the same data directory: it catches up through its slot")
    phase("after", args.after)

    tally.phase = "settling"
    orders.stop_new()
    visitors.stop()
    buyers.stop()
    views.stop()
    clock.say("load stopped; waiting for the work to settle")
    settled = settle(clock, args.settle_timeout, lambda: waiting_for(orders, buyers, database, store, address_mark))
    orders.close()

    rows = accounting(database, run, catalog, address_mark, orders, buyers, clicks, clicks_before, kills)
    rows += proxy_rows(tally, views, args.buyers)
    rows += journey_rows(clock, cluster, database, address_mark)
    rows.append(replica_row(cluster))

    processes = [cluster.haproxy, *cluster.distro_processes, cluster.redis, cluster.primary, cluster.replica]
    pids: dict[str, int | None] = {process.name: process.pid for process in processes}
    alive = {process.name: process.alive() for process in processes}
    print()
    print(phase_table(tally.counts(), PHASES))
    print()
    print(checks_table(rows))
    print()
    print(process_table(pids, alive))
    for line in restarts:
        print(line)
    print()
    passed = settled and all(row.ok for row in rows) and all(alive.values())
    print(f"cluster drill {run}: {'PASSED' if passed else 'FAILED'}" + ("" if settled else " (did not settle)"))
    return 0 if passed else 1


def _kill(clock: Clock, process: Process, back, restarts: list[str]) -> Window:
    """SIGKILL what process supervises and wait until it is back; the moment it died, as a window of loss."""
    before = process.supervised_pid()
    killed_at = time.time()
    killed = process.kill_supervised()
    clock.say(f"{process.name} killed (SIGKILL, pids {killed}); its supervisor starts it again")
    deadline = time.monotonic() + 120
    while not (process.supervised_pid() not in (None, before) and back()):
        if time.monotonic() > deadline:
            clock.say(f"{process.name} did not come back in 120 s")
            break
        time.sleep(0.2)
    after = process.supervised_pid()
    clock.say(f"{process.name} is back as pid {after}, {time.time() - killed_at:.1f} s after the kill")
    restarts.append(f"{process.name}: pid {before} killed, pid {after} started by its supervisor")
    return Window(killed_at, killed_at)


def accounting(database, run, catalog, address_mark, orders, buyers, clicks, clicks_before, kills) -> list[Row]:
    """The chaos drill's checks: webhook events and orders, demo checkouts, share clicks (a click a killed web server
    had answered but not yet written, in its last CLICK_FLUSH_MS, is the loss README allows)."""
    from bench.chaos.__main__ import accounting as chaos_accounting

    rows = chaos_accounting(database, run, catalog, address_mark, orders, buyers, clicks, clicks_before, kills)
    # The chaos drill's loss window is a Redis outage; here it is the moment the web server was killed.
    return [replace(row, note=row.note.replace("while Redis was away", "around the web server's kill")) for row in rows]


def proxy_rows(tally: Tally, views: PageViews, buyers: int) -> list[Row]:
    """Every request through the proxy answered below 500, page views by status code.

    The one loss allowed: a buyer's order or payment (a POST the proxy does not send twice) in flight on the web
    server as it was killed, at most one per buyer. The proxy then closes the buyer's connection without an answer,
    as a server dying does, and the buyer sends it again (the journeys' check holds them to paying).
    """
    counts = tally.counts()
    sent = sum(counts.values())
    failed = sum(count for (_, _, outcome), count in counts.items() if outcome in ("5xx", "no answer"))
    no_answer = sum(count for (_, _, outcome), count in counts.items() if outcome == "no answer")
    cut_off = min(buyers, counts[("web killed", "buyer", "no answer")])
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(views.statuses.items()))
    note = f"{no_answer} unanswered" + (f", {cut_off} a buyer's POST on the killed server" if cut_off else "")
    return [
        Row("proxy: requests → answered below 500", sent, sent - failed, lost=failed, allowed_loss=cut_off, note=note),
        Row(
            "page views → answered 2xx",
            views.sent(),
            sum(count for status, count in views.statuses.items() if status.startswith("2")),
            lost=views.sent() - sum(count for status, count in views.statuses.items() if status.startswith("2")),
            note=statuses,
        ),
    ]


def journey_rows(clock: Clock, cluster: Cluster, database: sa.Engine, address_mark: str) -> list[Row]:
    """Wave 2's journey for every order the buyers paid, and its checks."""
    paid = [checkout for checkout in census.checkouts(database, address_mark) if checkout.paid]
    refs = [checkout.order_ref for checkout in paid]
    api = journey.Api(cluster.plan.proxy_port)
    shipped = journey.ship_all(api, set(refs))
    clock.say(f"journey: {len(paid)} orders paid, {shipped} shipped by their suppliers")
    confirmed = journey.confirm_receipts(cluster.plan.proxy_port, [checkout.access_token for checkout in paid])
    clock.say(f"journey: {confirmed} receipts confirmed by the buyers on their order pages")
    os.environ.update({"DISTRO_DATABASE_URL": cluster.env["DISTRO_DATABASE_URL"]})
    os.environ.update({"DISTRO_REDIS_URL": cluster.env["DISTRO_REDIS_URL"]})
    from distro.commission.jobs import release_due_commission
    from distro.queue import get_queue
    from distro.settlement.jobs import enqueue_pay

    deadline = time.monotonic() + 300
    lines, released = journey.released(database, refs)
    while released < lines and time.monotonic() < deadline:
        get_queue("periodic").enqueue(release_due_commission)  # as rq cron does every 10 minutes
        time.sleep(3)
        lines, released = journey.released(database, refs)
    clock.say(f"journey: {released} of {lines} commission lines released (no hold)")
    journey.register_payees(api)
    checker = journey.user_id(database, journey.CHECKER)
    settled = journey.settle_and_pay(api, checker, enqueue_pay)
    clock.say(
        f"journey: batch {settled.batch_id} {settled.status}: {settled.payouts} payouts, ¥{settled.paid_fen / 100:.2f} "
        f"paid through the demo rail"
    )
    done, doubled = journey.paid_out(database, refs)
    unbalanced, total, ledger_paid = journey.ledger_checks(database, settled.batch_id)
    return [
        Row("journey orders: paid → shipped", len(paid), shipped, lost=len(paid) - shipped),
        Row("journey orders: shipped → receipt confirmed", shipped, confirmed, lost=shipped - confirmed),
        Row("journey commission lines → released", lines, released, lost=lines - released),
        Row("journey orders → paid out", len(paid), done, lost=len(paid) - done, doubled=doubled),
        Row(
            "batch payouts paid (fen) → ledger payout postings",
            settled.paid_fen,
            ledger_paid,
            lost=max(0, settled.paid_fen - ledger_paid),
            doubled=max(0, ledger_paid - settled.paid_fen),
            note=f"batch {settled.batch_id} {settled.status}, reconciliation "
            + ("ties out" if settled.ties_out else "OFF"),
        ),
        Row(
            "ledger: postings → balanced",
            1,
            1 if unbalanced == 0 and total == 0 and settled.ties_out else 0,
            lost=0 if unbalanced == 0 and total == 0 and settled.ties_out else 1,
            note=f"{unbalanced} unbalanced postings, entries sum to {total}",
        ),
    ]


def replica_row(cluster: Cluster) -> Row:
    """The replica streams again and has replayed everything (waited for up to a minute)."""
    deadline = time.monotonic() + 60
    lag = cluster.replica_lag_bytes()
    while (lag is None or lag > 0) and time.monotonic() < deadline:
        time.sleep(1)
        lag = cluster.replica_lag_bytes()
    behind = 1 if lag is None or lag > 0 else 0
    return Row("replica: streaming → caught up", 1, 1 - behind, lost=behind, note=f"{lag} bytes of WAL behind")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
