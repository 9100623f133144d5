"""`make chaos` (`python -m bench.chaos`): the chaos drill.

Starts the product as `make run` does, on a port of its own and a fresh data directory under var/chaos; keeps
it under load (an outside order system's signed webhooks, visitors following share links, buyers paying at the
demo cashier); kills Redis and starts it again after --redis-outage seconds, then stops PostgreSQL and starts
it again after --postgres-outage seconds; waits for the work to settle and sets what was sent against what
the product accounted for. Exits 1 when anything was lost outside what README allows, doubled, left
unsettled, or when a process of the product is no longer the one that started.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import redis
import sqlalchemy as sa

from bench.chaos import census, product
from bench.chaos.client import Tally
from bench.chaos.orders import OrderSystem
from bench.chaos.report import checks_table, phase_table, process_table
from bench.chaos.rules import PaidLine, Row, Window, click_rows, event_rows, order_rows
from bench.chaos.shoppers import Buyers, Clicks, Visitors
from bench.harness import free_port
from distro.outages import POSTGRES_DOWN, REDIS_DOWN
from distro.settings import PROJECT_ROOT, load_settings

PHASES = ("steady", "redis down", "recovery", "postgres down", "after", "settling")
PROGRESS_SECONDS = 15
"""How often the settling wait says what it still waits for."""


def arguments(argv: list[str]) -> argparse.Namespace:
    """The drill's options; every duration is in seconds."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seconds: dict = {"type": float, "metavar": "SECONDS"}
    parser.add_argument("--outage", default=60, help="how long each server is away (default 60)", **seconds)
    parser.add_argument("--redis-outage", help="how long Redis is away (default: --outage)", **seconds)
    parser.add_argument("--postgres-outage", help="how long PostgreSQL is away (default: --outage)", **seconds)
    parser.add_argument("--steady", default=30, help="load before Redis goes (default 30)", **seconds)
    parser.add_argument("--between", default=30, help="load between the outages (default 30)", **seconds)
    parser.add_argument("--after", default=30, help="load after PostgreSQL is back (default 30)", **seconds)
    parser.add_argument("--settle-timeout", default=600, help="longest wait to settle (default 600)", **seconds)
    parser.add_argument("--webhook-rate", type=float, default=10, help="new paid orders a second (default 10)")
    parser.add_argument("--click-rate", type=float, default=20, help="share-link clicks a second (default 20)")
    parser.add_argument("--buyers", type=int, default=2, help="buyers checking out at once (default 2)")
    parser.add_argument("--port", type=int, default=0, help="the product's port (default: a free one, not 8000)")
    parser.add_argument("--var-dir", type=Path, default=Path("var/chaos"), help="its data (var/chaos; emptied first)")
    args = parser.parse_args(argv)
    args.redis_outage = args.outage if args.redis_outage is None else args.redis_outage
    args.postgres_outage = args.outage if args.postgres_outage is None else args.postgres_outage
    args.var_dir = args.var_dir if args.var_dir.is_absolute() else PROJECT_ROOT / args.var_dir
    return args


class Clock:
    """Seconds since the drill began, on every line it prints."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def say(self, message: str) -> None:
        """Print message with the drill's time."""
        print(f"[{time.monotonic() - self.began:6.1f}s] {message}", flush=True)


def main(argv: list[str]) -> int:
    """Run the drill; 0 when every check passed."""
    args = arguments(argv)
    clock, run = Clock(), secrets.token_hex(3)
    port = args.port or free_port()
    log = args.var_dir / "distro-run.log"
    clock.say(f"chaos drill {run}: distro run on 127.0.0.1:{port}, data in {args.var_dir} (emptied), log {log}")
    product.clear(args.var_dir)
    distro_run = product.start(args.var_dir, port, log)
    try:
        return drill(args, clock, run, port, distro_run)
    finally:
        clock.say(f"stopping distro run (Ctrl-C): exit code {product.stop(distro_run)}")
        product.stop_servers(args.var_dir)
        tracebacks = log.read_text(errors="replace").count("Traceback")
        clock.say(f"the product logged {tracebacks} traceback(s); its output is in {log}")


def drill(args: argparse.Namespace, clock: Clock, run: str, port: int, distro_run) -> int:
    """Load, outages, settling and the accounting; 0 when every check passed."""
    database = census.engine(product.database_url(args.var_dir))
    store = redis.Redis.from_url(product.redis_url(args.var_dir))
    catalog = census.catalog(database)
    clicks_before = census.click_totals(database)
    running = product.processes(distro_run)
    clock.say("ready: " + ", ".join(f"{role} pid {process.pid}" for role, process in running.items()))
    secret = load_settings(environ=product.child_environment(args.var_dir, port))["ORDER_WEBHOOK_SECRETS"][0]
    address_mark = f"chaos-{run}"

    tally, clicks = Tally(), Clicks()
    orders = OrderSystem(port, secret, catalog, run, args.webhook_rate, tally)
    visitors = Visitors(port, catalog, run, args.click_rate, tally, clicks)
    buyers = Buyers(port, catalog, run, args.buyers, tally, clicks, address_mark)
    for load in (orders, visitors, buyers):
        load.start()

    def phase(name: str, seconds: float) -> None:
        tally.phase = name
        clock.say(f"{name}: {seconds:.0f} s of load")
        time.sleep(seconds)

    redis_outages: list[Window] = []
    phase("steady", args.steady)
    tally.phase = "redis down"
    keys, began = store.dbsize(), time.time()
    clock.say(f"Redis killed (SIGKILL, pid {product.kill_redis(args.var_dir)}) holding {keys} keys")
    time.sleep(args.redis_outage)
    product.start_redis(args.var_dir)
    redis_outages.append(Window(began, time.time()))
    clock.say(f"Redis started again on the same socket and data: {store.dbsize()} keys")
    phase("recovery", args.between)
    tally.phase = "postgres down"
    product.stop_postgres(args.var_dir)
    clock.say("PostgreSQL stopped (fast shutdown)")
    time.sleep(args.postgres_outage)
    product.start_postgres(args.var_dir)
    clock.say("PostgreSQL started again on the same data directory")
    phase("after", args.after)

    tally.phase = "settling"
    orders.stop_new()
    visitors.stop()
    buyers.stop()
    clock.say("load stopped; waiting for the work to settle")
    settled = settle(clock, args.settle_timeout, lambda: waiting_for(orders, buyers, database, store, address_mark))
    orders.close()

    rows = accounting(database, run, catalog, address_mark, orders, buyers, clicks, clicks_before, redis_outages)
    alive = {role: running[role].alive() if role in running else False for role in product.ROLES}
    alive["distro run"] = distro_run.poll() is None
    pids: dict[str, int | None] = {role: running[role].pid if role in running else None for role in product.ROLES}
    pids["distro run"] = distro_run.pid

    print()
    print(phase_table(tally.counts(), PHASES))
    print()
    print(checks_table(rows))
    print()
    print(process_table(pids, alive))
    print()
    passed = settled and all(row.ok for row in rows) and all(alive.values())
    print(f"chaos drill {run}: {'PASSED' if passed else 'FAILED'}" + ("" if settled else " (did not settle)"))
    return 0 if passed else 1


def waiting_for(
    orders: OrderSystem, buyers: Buyers, database: sa.Engine, store: redis.Redis, address_mark: str
) -> list[str]:
    """What the drill still waits for before it can account: empty once the work has settled."""
    waiting = []
    if orders.pending():
        waiting.append(f"{orders.pending()} webhook events unanswered")
    if buyers.busy():
        waiting.append(f"{buyers.busy()} buyers on their way")
    checkouts = census.checkouts(database, address_mark)
    refs = orders.order_refs() + [checkout.order_ref for checkout in checkouts]
    if unprocessed := census.unprocessed_events(database, refs):
        waiting.append(f"{unprocessed} order events unprocessed")
    if unsent := sum(1 for checkout in checkouts if checkout.paid and not checkout.notice_acknowledged):
        waiting.append(f"{unsent} payment notices unacknowledged")
    if census.clicks_unfolded(database, store):
        waiting.append("clicks not yet folded into PostgreSQL")
    return waiting


def settle(clock: Clock, timeout: float, waiting: Callable[[], list[str]]) -> bool:
    """Wait until nothing is left waiting, or timeout seconds; True when it settled."""
    began = time.monotonic()
    said = began
    while True:
        try:
            left = waiting()
        except (*POSTGRES_DOWN, *REDIS_DOWN) as error:  # a server still starting up
            left = [f"a server does not answer yet ({type(error).__name__})"]
        if not left:
            clock.say(f"settled after {time.monotonic() - began:.0f} s")
            return True
        if time.monotonic() - began > timeout:
            clock.say(f"did not settle in {timeout:.0f} s: still " + "; ".join(left))
            return False
        if time.monotonic() - said >= PROGRESS_SECONDS:
            clock.say("waiting: " + "; ".join(left))
            said = time.monotonic()
        time.sleep(1)


def accounting(
    database: sa.Engine,
    run: str,
    catalog: census.Catalog,
    address_mark: str,
    orders: OrderSystem,
    buyers: Buyers,
    clicks: Clicks,
    clicks_before: tuple[int, int],
    redis_outages: list[Window],
) -> list[Row]:
    """Every check's row, from what the load kept and what the stores hold now."""
    rows = [
        Row(
            "webhook events: sent → answered 2xx",
            len(orders.sent),
            len(orders.acknowledged),
            lost=len(orders.sent - orders.acknowledged),
            note=f"{len(orders.refused)} refused 4xx" if orders.refused else "",
        )
    ]
    rows += event_rows(orders.acknowledged, census.event_statuses(database, f"chaos-{run}-"))
    webhook_lines = orders.paid_lines()
    webhook_refs = sorted({line.order_ref for line in webhook_lines})
    rows += order_rows(
        "webhook orders",
        webhook_lines,
        census.paid_orders(database, webhook_refs),
        census.booked_lines(database, webhook_refs),
    )

    checkouts = census.checkouts(database, address_mark)
    confirmed = {journey.token for journey in buyers.journeys if journey.confirmed}
    paid = [checkout for checkout in checkouts if checkout.paid or checkout.access_token in confirmed]
    rows.append(
        Row(
            "demo checkouts: payments → notices answered 2xx",
            len(paid),
            sum(1 for checkout in paid if checkout.notice_acknowledged),
            lost=sum(1 for checkout in paid if not checkout.notice_acknowledged),
            note=f"{len(confirmed)} confirmed to the buyer, {len(buyers.journeys)} journeys",
        )
    )
    unpaid = len(buyers.journeys) - len(confirmed)
    rows.append(
        Row(
            "demo checkouts: buyers' journeys → paid",
            len(buyers.journeys),
            len(confirmed),
            lost=unpaid,
            # A buyer gives up on an outage (30 s to order, 120 s to pay); none paid at all is the drill failing.
            allowed_loss=unpaid if confirmed else 0,
            note="; ".join(
                f"{count} {outcome}" for outcome, count in Counter(j.outcome for j in buyers.journeys).items()
            ),
        )
    )
    checkout_lines = [
        PaidLine(checkout.order_ref, "1", checkout.total_fen, catalog.rate_of(checkout.product_id)) for checkout in paid
    ]
    checkout_refs = [checkout.order_ref for checkout in paid]
    rows += order_rows(
        "demo checkouts",
        checkout_lines,
        census.paid_orders(database, checkout_refs),
        census.booked_lines(database, checkout_refs),
    )

    counted, counted_unique = census.click_totals(database)
    rows += click_rows(clicks.sent, counted - clicks_before[0], counted_unique - clicks_before[1], redis_outages)
    return rows


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
