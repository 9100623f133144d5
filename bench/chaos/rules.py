"""The chaos drill's accounting (pure): what the load sent against what the product accounted for.

Each check is a row: how many were sent, how many are accounted for, how many were lost and how many
doubled, and how many of the lost README allows (clicks while Redis is down, nothing else). The
functions take plain values gathered by bench/chaos/census.py and the load's own records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from distro.money import apply_rate

UNIQUE_WINDOW_SECONDS = 3600
"""README, Sharing: the same visitor counts once an hour as a unique click (distro.share.services)."""
LOSS_MARGIN_SECONDS = 1.0
"""How far around a Redis outage a click may still be lost. A web process writes the clicks it answered
every CLICK_FLUSH_MS (20 ms), so a click answered just before Redis stopped can sit in its buffer when it
does; a second covers the flusher's scheduling on a busy two-core machine."""


@dataclass(frozen=True)
class Row:
    """One check: sent against accounted for, and what went missing or counted twice."""

    check: str
    sent: int
    accounted: int
    lost: int = 0
    doubled: int = 0
    allowed_loss: int = 0
    """How many of the sent README allows to go uncounted (clicks during a Redis outage)."""
    note: str = ""

    @property
    def ok(self) -> bool:
        """Nothing lost beyond what README allows, nothing doubled."""
        return self.lost <= self.allowed_loss and self.doubled == 0


@dataclass(frozen=True)
class Window:
    """A stretch of wall-clock time (time.time() seconds) when a server was away."""

    start: float
    end: float

    def holds(self, at: float, margin: float = 0.0) -> bool:
        """True when `at` lies in the window widened by margin on each side."""
        return self.start - margin <= at <= self.end + margin


# --- Share-link clicks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentClick:
    """One GET /s/<code> a visitor's browser sent, and what it was answered (None: no answer)."""

    at: float
    code: str
    address: str
    user_agent: str
    cookie: str | None
    status: int | None = None


def visitor(click: SentClick) -> str:
    """Who clicked, as README counts unique clicks: the visitor cookie, else the address and browser.

    The load gives every visitor a browser of its own, so a visitor is the same one under either
    rule, whether or not it sends its cookie.
    """
    return f"cookie:{click.cookie}" if click.cookie else f"browser:{click.address}|{click.user_agent}"


def visitor_hours(clicks: Iterable[SentClick], window: float = UNIQUE_WINDOW_SECONDS) -> int:
    """Unique clicks: per link and visitor, the first click and then each one a window after the last counted."""
    last_counted: dict[tuple[str, str], float] = {}
    uniques = 0
    for click in sorted(clicks, key=lambda click: click.at):
        key = (click.code, visitor(click))
        if key not in last_counted or click.at >= last_counted[key] + window:
            last_counted[key] = click.at
            uniques += 1
    return uniques


def click_rows(
    clicks: Sequence[SentClick],
    counted: int,
    counted_unique: int,
    redis_outages: Sequence[Window],
    margin: float = LOSS_MARGIN_SECONDS,
) -> list[Row]:
    """Clicks and unique clicks sent against counted: lost only around a Redis outage, never doubled."""
    outside = [click for click in clicks if not any(window.holds(click.at, margin) for window in redis_outages)]
    unique_sent, unique_outside = visitor_hours(clicks), visitor_hours(outside)
    redirected = sum(1 for click in clicks if click.status == 302)
    return [
        Row(
            "share clicks: sent → counted",
            len(clicks),
            counted,
            lost=max(len(clicks) - counted, 0),
            doubled=max(counted - len(clicks), 0),
            allowed_loss=len(clicks) - len(outside),
            note=f"{redirected} answered 302; {len(clicks) - len(outside)} sent while Redis was away",
        ),
        Row(
            "share clicks: visitor-hours → unique clicks",
            unique_sent,
            counted_unique,
            lost=max(unique_sent - counted_unique, 0),
            doubled=max(counted_unique - unique_sent, 0),
            allowed_loss=unique_sent - unique_outside,
            note="one per link, visitor (cookie, else address + browser) and hour",
        ),
    ]


# --- Webhook events --------------------------------------------------------------------------------------


def event_rows(acknowledged: set[str], stored: Mapping[str, str]) -> list[Row]:
    """Events the sender saw answered 2xx against those stored (id → status), and those processed.

    stored holds every stored event of the run, so one the sender never had answered is extra.
    """
    kept = acknowledged & stored.keys()
    processed = {event_id for event_id in kept if stored[event_id] == "processed"}
    quarantined = sum(1 for event_id in kept if stored[event_id] == "quarantined")
    return [
        Row(
            "webhook events: answered 2xx → stored",
            len(acknowledged),
            len(kept),
            lost=len(acknowledged - kept),
            doubled=len(stored.keys() - acknowledged),
        ),
        Row(
            "webhook events: stored → processed",
            len(kept),
            len(processed),
            lost=len(kept - processed),
            note=f"{quarantined} quarantined" if quarantined else "",
        ),
    ]


# --- Orders, commission lines and the ledger -------------------------------------------------------------


@dataclass(frozen=True)
class PaidLine:
    """A line of an order the product was told was paid: what it paid, net of refunds told, at which rate."""

    order_ref: str
    line_ref: str
    net_fen: int
    rate_bp: int

    @property
    def pool_fen(self) -> int:
        """The commission pool it must carry: net paid × rate, half-up (distro/money.py)."""
        return apply_rate(self.net_fen, self.rate_bp)


@dataclass(frozen=True)
class BookedLine:
    """What the database holds for one order line: its commission lines, their pool, and its postings."""

    commission_lines: int
    pool_fen: int
    accruals: int
    ledger_fen: int
    """The line's postings summed on the supplier's account: what the ledger says the line carries."""


def order_rows(
    label: str, lines: Sequence[PaidLine], paid_orders: set[str], booked: Mapping[tuple[str, str], BookedLine]
) -> list[Row]:
    """Paid orders against orders paid, and per line one commission line, one accrual and the ledger agreeing.

    A line refunded in full carries nothing: it needs no accrual (one, reversed since, is as good).

    paid_orders: the orders the database holds as paid; booked: by (order, line reference).
    """
    orders = {line.order_ref for line in lines}
    none = BookedLine(0, 0, 0, 0)
    found = [(line, booked.get((line.order_ref, line.line_ref), none)) for line in lines]
    # A line that must carry nothing has one accrual and its reversal, or none when its refund came first.
    unearning = sum(1 for line in lines if line.pool_fen == 0)
    return [
        Row(f"{label}: paid → orders paid", len(orders), len(orders & paid_orders), lost=len(orders - paid_orders)),
        Row(
            f"{label}: order lines → one commission line each",
            len(lines),
            sum(1 for line, row in found if row.commission_lines == 1 and row.pool_fen == line.pool_fen),
            lost=sum(1 for line, row in found if row.commission_lines == 0 or row.pool_fen < line.pool_fen),
            doubled=sum(1 for line, row in found if row.commission_lines > 1 or row.pool_fen > line.pool_fen),
        ),
        Row(
            f"{label}: accrual postings, one per line that earns",
            sum(1 for line, _ in found if line.pool_fen > 0),
            sum(row.accruals for line, row in found if line.pool_fen > 0),
            lost=sum(1 for line, row in found if line.pool_fen > 0 and row.accruals == 0),
            doubled=sum(row.accruals - 1 for _, row in found if row.accruals > 1),
            note=f"{unearning} lines earn nothing (refunded in full)" if unearning else "",
        ),
        Row(
            f"{label}: ledger per line = its pool",
            len(lines),
            sum(1 for line, row in found if row.ledger_fen == line.pool_fen),
            lost=sum(1 for line, row in found if row.ledger_fen < line.pool_fen),
            doubled=sum(1 for line, row in found if row.ledger_fen > line.pool_fen),
        ),
    ]
