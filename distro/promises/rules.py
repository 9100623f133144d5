"""A supplier's service promises (服务承诺) and their rules (pure: no database).

A supplier may promise to ship within N hours of payment, to deliver within N days, a 7- or 15-day exchange
(包换) and quality inspection (质检). A shipping or delivery promise names its compensation (超时赔付): a fixed
amount, or a percentage of what the buyer paid for the supplier's lines, never more than that.

An order is judged by the promise in force when it was paid. A promise is broken when the goods went out (or
arrived) after the deadline, or when the deadline passed with nothing sent and the order not cancelled before it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from distro.money import apply_rate, format_cny, format_rate
from distro.validation import FieldError

EXCHANGE_DAYS = (7, 15)
"""The exchange windows a supplier may promise (7天包换, 15天包换), as 1688's 实力商家 do."""


class BreachKind(enum.StrEnum):
    """Which deadline a breach missed."""

    SHIP = "ship"
    DELIVER = "deliver"


class CompensationKind(enum.StrEnum):
    """How a promise's compensation is reckoned: a fixed amount in fen, or basis points of the paid amount."""

    FIXED = "fixed"
    PERCENT = "percent"


@dataclass(frozen=True)
class Compensation:
    """What a broken promise pays the buyer: value is fen (FIXED) or basis points (PERCENT)."""

    kind: CompensationKind
    value: int


@dataclass(frozen=True)
class PromiseTerms:
    """Everything a supplier promises at one time; None (or False) is no promise of that kind."""

    ship_within_hours: int | None = None
    ship_compensation: Compensation | None = None
    deliver_within_days: int | None = None
    deliver_compensation: Compensation | None = None
    exchange_days: int | None = None
    quality_inspection: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing is promised."""
        return (
            self.ship_within_hours is None
            and self.deliver_within_days is None
            and self.exchange_days is None
            and not self.quality_inspection
        )


@dataclass(frozen=True)
class PromiseBounds:
    """What the platform lets suppliers promise and how much compensation may be (settings PROMISE_*)."""

    ship_hours: tuple[int, ...] = (24, 48, 72)
    deliver_days: tuple[int, ...] = (3, 5, 7, 10, 15)
    min_fixed_fen: int = 100
    max_fixed_fen: int = 50_000
    min_rate_bp: int = 100
    max_rate_bp: int = 10_000

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PromiseBounds:
        """The bounds the settings name."""
        return cls(
            ship_hours=tuple(settings["PROMISE_SHIP_HOURS"]),
            deliver_days=tuple(settings["PROMISE_DELIVER_DAYS"]),
            min_fixed_fen=settings["PROMISE_COMPENSATION_MIN_FEN"],
            max_fixed_fen=settings["PROMISE_COMPENSATION_MAX_FEN"],
            min_rate_bp=settings["PROMISE_COMPENSATION_MIN_BP"],
            max_rate_bp=settings["PROMISE_COMPENSATION_MAX_BP"],
        )


def _compensation_failures(field: str, compensation: Compensation | None, bounds: PromiseBounds) -> list[FieldError]:
    if compensation is None:
        return [FieldError(field, "a deadline promise must name its compensation", "required")]
    if compensation.kind is CompensationKind.FIXED:
        if not bounds.min_fixed_fen <= compensation.value <= bounds.max_fixed_fen:
            low, high = format_cny(bounds.min_fixed_fen), format_cny(bounds.max_fixed_fen)
            return [FieldError(field, f"a fixed compensation must be within {low} and {high}", "fixed_range")]
    elif not bounds.min_rate_bp <= compensation.value <= bounds.max_rate_bp:
        low, high = format_rate(bounds.min_rate_bp), format_rate(bounds.max_rate_bp)
        return [FieldError(field, f"a percentage compensation must be within {low} and {high}", "rate_range")]
    return []


def terms_failures(terms: PromiseTerms, bounds: PromiseBounds) -> list[FieldError]:
    """Every way the terms break the platform's bounds, by field and rule; empty when they hold."""
    failures: list[FieldError] = []
    if terms.ship_within_hours is not None:
        if terms.ship_within_hours not in bounds.ship_hours:
            allowed = ", ".join(str(hours) for hours in bounds.ship_hours)
            failures.append(FieldError("ship_within_hours", f"must be one of {allowed} hours", "choice"))
        failures += _compensation_failures("ship_compensation", terms.ship_compensation, bounds)
    if terms.deliver_within_days is not None:
        if terms.deliver_within_days not in bounds.deliver_days:
            allowed = ", ".join(str(days) for days in bounds.deliver_days)
            failures.append(FieldError("deliver_within_days", f"must be one of {allowed} days", "choice"))
        failures += _compensation_failures("deliver_compensation", terms.deliver_compensation, bounds)
    if terms.exchange_days is not None and terms.exchange_days not in EXCHANGE_DAYS:
        failures.append(FieldError("exchange_days", "must be 7 or 15 days", "choice"))
    return failures


def deadline(paid_at: dt.datetime, kind: BreachKind, terms: PromiseTerms) -> dt.datetime | None:
    """When the goods must be shipped (paid + N hours) or delivered (paid + N × 24 hours); None when not promised."""
    if kind is BreachKind.SHIP:
        hours = terms.ship_within_hours
    else:
        hours = None if terms.deliver_within_days is None else terms.deliver_within_days * 24
    return None if hours is None else paid_at + dt.timedelta(hours=hours)


def is_breached(
    due_at: dt.datetime, done_at: dt.datetime | None, cancelled_at: dt.datetime | None, now: dt.datetime
) -> bool:
    """Whether a deadline was missed: done after it, or not done with it past and the order not cancelled before it.

    Done exactly at the deadline is on time; an order cancelled by the deadline owed nothing more.
    """
    if done_at is not None:
        return done_at > due_at
    if now <= due_at:
        return False
    return cancelled_at is None or cancelled_at > due_at


def compensation_fen(compensation: Compensation, paid_fen: int) -> int:
    """What a breach pays the buyer: the fixed amount or the rate of paid_fen (money.apply_rate rounds), at most
    paid_fen (no buyer is paid more than they paid)."""
    if compensation.kind is CompensationKind.FIXED:
        amount = compensation.value
    else:
        amount = apply_rate(paid_fen, compensation.value)
    return max(0, min(amount, paid_fen))


class BadgeKind(enum.StrEnum):
    """What a badge says a supplier promises."""

    SHIP = "ship"
    DELIVER = "deliver"
    EXCHANGE = "exchange"
    QUALITY = "quality"


@dataclass(frozen=True)
class Badge:
    """One badge on a product: its kind and its number (hours, days; None for 质检)."""

    kind: BadgeKind
    number: int | None = None


def badges(terms: PromiseTerms | None) -> list[Badge]:
    """The badges a supplier's promises earn, in the order they are shown: shipping, delivery, exchange, quality."""
    if terms is None:
        return []
    shown = []
    if terms.ship_within_hours is not None:
        shown.append(Badge(BadgeKind.SHIP, terms.ship_within_hours))
    if terms.deliver_within_days is not None:
        shown.append(Badge(BadgeKind.DELIVER, terms.deliver_within_days))
    if terms.exchange_days is not None:
        shown.append(Badge(BadgeKind.EXCHANGE, terms.exchange_days))
    if terms.quality_inspection:
        shown.append(Badge(BadgeKind.QUALITY))
    return shown
