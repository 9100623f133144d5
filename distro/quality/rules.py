"""The rules of supplier quality (pure): what a supplier's orders measure (on-time shipping, ship and delivery times,
refunds, cancellations) and what a monthly review makes of the measures, the thresholds and the supplier's strikes
(三振出局: a warning, a second warning, suspension at the third). The daily metrics job and the monthly review apply
the same rules in SQL (distro/quality/metrics.py, distro/quality/review.py); property tests hold the two together.

Rates are integer basis points (1 bp = 0.01%), rounded down: 899 of 1,000 orders on time is 8,990 bp, never 9,000.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

WINDOWS = (30, 90)
"""The rolling windows, in days, the daily job measures every supplier over."""
BP = 10_000
"""A whole, in basis points."""


class Outcome(enum.StrEnum):
    """What a monthly review found."""

    PASSED = "passed"
    """Every measure within its threshold."""
    TOO_FEW = "too_few"
    """Too few orders in the month to judge (no strike, whatever the rates)."""
    WARNING = "warning"
    """A strike: the first or the second within the strike window."""
    SUSPENDED = "suspended"
    """The third strike within the window: the supplier is suspended (its products leave the pool)."""


STRIKES = frozenset({Outcome.WARNING, Outcome.SUSPENDED})
"""The outcomes that count as a strike."""


class Measure(enum.StrEnum):
    """A measure a review judges."""

    ON_TIME = "on_time"
    REFUND = "refund"
    CANCEL = "cancel"


@dataclass(frozen=True)
class OrderFacts:
    """One order as a supplier's measure sees it: the supplier's part of one order (its lines of it)."""

    paid_at: dt.datetime
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    refunded: bool
    """Any of the supplier's lines of the order refunded, in part or in full."""
    refund_kind: str | None = None
    """The after-sales request's kind when distro took the order: 'return' (退货退款) or 'refund' (仅退款); None
    when no request says (an outside order's order.refunded event carries no reason)."""
    promised_ship_hours: int | None = None
    """The shipping promise in force when it was paid (distro/promises), which judges it instead of the platform's
    default; None when the supplier promised no shipping time then."""


@dataclass(frozen=True)
class Metrics:
    """A supplier's measures over a window of orders paid."""

    orders: int
    due: int
    """Orders whose shipping deadline had passed, or that shipped (cancelled unshipped ones are not judged)."""
    on_time: int
    cancelled: int
    refunded: int
    refunded_return: int
    refunded_refund_only: int
    ship_avg_seconds: int | None
    ship_p90_seconds: int | None
    delivery_avg_seconds: int | None
    delivery_p90_seconds: int | None

    @property
    def on_time_bp(self) -> int | None:
        """Orders shipped on time per order due, in basis points; None when none was due."""
        return rate_bp(self.on_time, self.due)

    @property
    def refund_bp(self) -> int | None:
        """Orders refunded (in part or in full) per order, in basis points."""
        return rate_bp(self.refunded, self.orders)

    @property
    def cancel_bp(self) -> int | None:
        """Orders cancelled per order, in basis points."""
        return rate_bp(self.cancelled, self.orders)


def rate_bp(part: int, whole: int) -> int | None:
    """part of whole in basis points, rounded down; None of nothing."""
    return None if whole <= 0 else part * BP // whole


def p90(values: Sequence[int]) -> int | None:
    """The 90th percentile as PostgreSQL's percentile_disc(0.9) takes it: the first value, in order, at or past 90%
    of them (of 10 values the 9th, of 11 the 10th), its position computed in floating point as PostgreSQL does."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


def _seconds(later: dt.datetime, earlier: dt.datetime) -> int:
    """Whole seconds from earlier to later, never negative (an outside system's clocks may disagree)."""
    return max(0, int((later - earlier).total_seconds() // 1))


def measure(orders: Iterable[OrderFacts], *, as_of: dt.datetime, ship_within_hours: int) -> Metrics:
    """A supplier's measures over its orders, as known at as_of (anything later is not known yet).

    An order is due when it shipped, or when its deadline (paid + the supplier's shipping promise then, else
    ship_within_hours) passed unshipped and uncancelled; it is on time when it shipped by its deadline. Ship and
    delivery times run from payment.
    """
    counted = due = on_time = cancelled = refunded = returns = refunds_only = 0
    ship: list[int] = []
    delivery: list[int] = []
    for order in orders:
        window = dt.timedelta(hours=order.promised_ship_hours or ship_within_hours)
        shipped = order.shipped_at if order.shipped_at and order.shipped_at <= as_of else None
        delivered = order.delivered_at if order.delivered_at and order.delivered_at <= as_of else None
        cancel = order.cancelled_at if order.cancelled_at and order.cancelled_at <= as_of else None
        counted += 1
        if shipped is not None:
            due += 1
            on_time += shipped <= order.paid_at + window
            ship.append(_seconds(shipped, order.paid_at))
        elif cancel is None and order.paid_at + window <= as_of:
            due += 1
        if delivered is not None:
            delivery.append(_seconds(delivered, order.paid_at))
        cancelled += cancel is not None
        if order.refunded:
            refunded += 1
            returns += order.refund_kind == "return"
            refunds_only += order.refund_kind == "refund"
    return Metrics(
        orders=counted,
        due=due,
        on_time=on_time,
        cancelled=cancelled,
        refunded=refunded,
        refunded_return=returns,
        refunded_refund_only=refunds_only,
        ship_avg_seconds=sum(ship) // len(ship) if ship else None,
        ship_p90_seconds=p90(ship),
        delivery_avg_seconds=sum(delivery) // len(delivery) if delivery else None,
        delivery_p90_seconds=p90(delivery),
    )


@dataclass(frozen=True)
class Thresholds:
    """What a review holds a supplier to (SUPPLIER_REVIEW_* settings)."""

    min_orders: int
    """Fewer orders than this in the month are not judged: 3 orders say nothing of a supplier."""
    min_on_time_bp: int
    max_refund_bp: int
    max_cancel_bp: int
    strikes_to_suspend: int = 3
    strike_months: int = 6
    """A strike counts for the review's month and the strike_months - 1 before it, then expires."""

    @classmethod
    def from_settings(cls, settings: Mapping) -> Thresholds:
        """The thresholds the settings name."""
        return cls(
            min_orders=int(settings["SUPPLIER_REVIEW_MIN_ORDERS"]),
            min_on_time_bp=int(settings["SUPPLIER_REVIEW_MIN_ON_TIME_BP"]),
            max_refund_bp=int(settings["SUPPLIER_REVIEW_MAX_REFUND_BP"]),
            max_cancel_bp=int(settings["SUPPLIER_REVIEW_MAX_CANCEL_BP"]),
            strikes_to_suspend=int(settings["SUPPLIER_REVIEW_STRIKES_TO_SUSPEND"]),
            strike_months=int(settings["SUPPLIER_REVIEW_STRIKE_MONTHS"]),
        )


def threshold_failures(thresholds: Thresholds) -> list[str]:
    """What is wrong with a set of thresholds (empty when they can be used)."""
    failures = []
    if thresholds.min_orders < 1:
        failures.append("SUPPLIER_REVIEW_MIN_ORDERS must be at least 1")
    for name, value in (
        ("SUPPLIER_REVIEW_MIN_ON_TIME_BP", thresholds.min_on_time_bp),
        ("SUPPLIER_REVIEW_MAX_REFUND_BP", thresholds.max_refund_bp),
        ("SUPPLIER_REVIEW_MAX_CANCEL_BP", thresholds.max_cancel_bp),
    ):
        if not 0 <= value <= BP:
            failures.append(f"{name} must be between 0 and {BP}")
    if thresholds.strikes_to_suspend < 1:
        failures.append("SUPPLIER_REVIEW_STRIKES_TO_SUSPEND must be at least 1")
    if thresholds.strike_months < 1:
        failures.append("SUPPLIER_REVIEW_STRIKE_MONTHS must be at least 1")
    return failures


@dataclass(frozen=True)
class Verdict:
    """A review's outcome, the measures that fell short, and which strike it is (0: none)."""

    outcome: Outcome
    failed: tuple[Measure, ...]
    strike: int


def review(
    *,
    orders: int,
    on_time_bp: int | None,
    refund_bp: int | None,
    cancel_bp: int | None,
    prior_strikes: int,
    thresholds: Thresholds,
) -> Verdict:
    """The month's verdict on a supplier: too few orders to judge; passed; or, when any measure falls short (on time
    below its minimum, refunds or cancellations above their maximum), a strike: a warning, or suspension when it
    is the strikes_to_suspend-th within the window (prior_strikes: the unexpired, not overruled ones before it).
    A rate with nothing to measure (no order due yet) does not fall short."""
    if orders < thresholds.min_orders:
        return Verdict(Outcome.TOO_FEW, (), 0)
    failed = tuple(
        measure
        for measure, short in (
            (Measure.ON_TIME, on_time_bp is not None and on_time_bp < thresholds.min_on_time_bp),
            (Measure.REFUND, refund_bp is not None and refund_bp > thresholds.max_refund_bp),
            (Measure.CANCEL, cancel_bp is not None and cancel_bp > thresholds.max_cancel_bp),
        )
        if short
    )
    if not failed:
        return Verdict(Outcome.PASSED, (), 0)
    strike = prior_strikes + 1
    return Verdict(Outcome.SUSPENDED if strike >= thresholds.strikes_to_suspend else Outcome.WARNING, failed, strike)


def month_shift(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after month's (before, when negative)."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def strike_window(month: dt.date, thresholds: Thresholds) -> tuple[dt.date, dt.date]:
    """The months whose strikes count at month's review: from strike_months - 1 before it, up to it (exclusive)."""
    start = month.replace(day=1)
    return month_shift(start, 1 - thresholds.strike_months), start
