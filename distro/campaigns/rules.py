"""Campaign rules (pure): hourly slots, the lifecycle, what a campaign may offer, and what is in force at a time.

A campaign's price and rate apply exactly while starts_at <= t < ends_at: what is in force is read from the time,
never from a flag a job flips, so after the slot everything is back to normal even if no job ran.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from distro.clock import BUSINESS_TZ
from distro.money import format_cny
from distro.suppliers.rules import RateBounds, rate_failures
from distro.validation import FieldError

FIRST_SLOT_HOUR, LAST_SLOT_HOUR = 7, 22
"""云集's hourly slots: one starting every hour from 07:00 to 22:00 Asia/Shanghai, the last ending at 23:00."""
SLOT_HOURS = tuple(range(FIRST_SLOT_HOUR, LAST_SLOT_HOUR + 1))
SLOT_LENGTH = dt.timedelta(hours=1)
MAX_LENGTH = dt.timedelta(days=31)
"""The longest campaign: a promotion, not a new price (change the product's price for that)."""


class Status(enum.StrEnum):
    """What is stored of a campaign's standing; running and ended are read from the time (Phase)."""

    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Phase(enum.StrEnum):
    """Where a campaign stands at a given time."""

    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(enum.StrEnum):
    """What may be done to a campaign."""

    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"


# action -> (phases it applies to, resulting status)
TRANSITIONS: dict[Action, tuple[frozenset[Phase], Status]] = {
    Action.APPROVE: (frozenset({Phase.PROPOSED}), Status.SCHEDULED),
    Action.REJECT: (frozenset({Phase.PROPOSED}), Status.REJECTED),
    # A running campaign may be stopped: its price and rate stop at once (they are read by status and time).
    Action.CANCEL: (frozenset({Phase.PROPOSED, Phase.SCHEDULED, Phase.RUNNING}), Status.CANCELLED),
}
ACTIONS_NEEDING_REASON = frozenset({Action.REJECT, Action.CANCEL})


class TransitionRefused(ValueError):
    """The action does not apply to the campaign where it stands now."""


def phase(status: Status | str, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> Phase:
    """Where a campaign stands at `now`: a scheduled one runs while starts_at <= now < ends_at, then has ended;
    a proposal not approved before its end has ended too."""
    status = Status(status)
    if status in (Status.REJECTED, Status.CANCELLED):
        return Phase(status.value)
    if now >= ends_at:
        return Phase.ENDED
    if status is Status.PROPOSED:
        return Phase.PROPOSED
    return Phase.RUNNING if now >= starts_at else Phase.SCHEDULED


def next_status(current: Phase, action: Action) -> Status:
    """The stored status after the action, or TransitionRefused when it does not apply where the campaign stands."""
    allowed_from, result = TRANSITIONS[action]
    if current not in allowed_from:
        raise TransitionRefused(f"cannot {action.value} a campaign that is {current.value}")
    return result


def slot(day: dt.date, hour: int) -> tuple[dt.datetime, dt.datetime]:
    """The hourly slot starting at `hour` o'clock of `day` in Asia/Shanghai, as UTC (start, end = start + 1 h);
    ValueError for an hour outside 07–22."""
    if hour not in SLOT_HOURS:
        raise ValueError(f"slots start from {FIRST_SLOT_HOUR}:00 to {LAST_SLOT_HOUR}:00")
    start = dt.datetime.combine(day, dt.time(hour), BUSINESS_TZ).astimezone(dt.UTC)
    return start, start + SLOT_LENGTH


def time_failures(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> list[FieldError]:
    """A campaign's times that cannot be: ending before it starts, starting in the past, lasting too long."""
    failures = []
    if ends_at <= starts_at:
        failures.append(FieldError("ends_at", "must be after the start", "end_after_start"))
    elif ends_at - starts_at > MAX_LENGTH:
        failures.append(FieldError("ends_at", f"a campaign lasts at most {MAX_LENGTH.days} days", "too_long"))
    if starts_at < now:
        failures.append(FieldError("starts_at", "must not be in the past", "not_in_past"))
    return failures


@dataclass(frozen=True)
class Offer:
    """What a campaign offers on one product: a sale price and/or a boosted rate (None: unchanged)."""

    product_id: int
    sale_price_fen: int | None
    rate_bp: int | None


def offer_failures(offers: Sequence[Offer], prices_fen: dict[int, int], bounds: RateBounds) -> list[FieldError]:
    """What the offers break: no product, a product twice, one offering nothing, a sale price above the product's
    price (prices_fen, by product) or not positive, a rate outside the platform's floor and cap."""
    if not offers:
        return [FieldError("items", "a campaign needs at least one product", "required")]
    failures: list[FieldError] = []
    seen: set[int] = set()
    for index, offer in enumerate(offers):
        field = f"items.{index}"
        if offer.product_id in seen:
            failures.append(FieldError(f"{field}.product_id", "a product appears once in a campaign", "duplicate"))
        seen.add(offer.product_id)
        if offer.sale_price_fen is None and offer.rate_bp is None:
            failures.append(FieldError(field, "give a sale price, a rate or both", "offers_nothing"))
        price = prices_fen.get(offer.product_id)
        if offer.sale_price_fen is not None:
            if offer.sale_price_fen <= 0:
                failures.append(FieldError(f"{field}.sale_price_fen", "must be positive", "positive_price"))
            elif price is not None and offer.sale_price_fen > price:
                failures.append(
                    FieldError(
                        f"{field}.sale_price_fen",
                        f"must not exceed the product's price ({format_cny(price)})",
                        "sale_above_price",
                    )
                )
        if offer.rate_bp is not None:
            failures += rate_failures(offer.rate_bp, bounds, f"{field}.rate_bp")
    return failures


@dataclass(frozen=True)
class Window:
    """A campaign's time on one product: [starts_at, ends_at)."""

    campaign_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


def overlapping(windows: Iterable[Window], starts_at: dt.datetime, ends_at: dt.datetime) -> list[Window]:
    """The windows that share some time with [starts_at, ends_at): a product is in one campaign at a time."""
    return [w for w in windows if w.starts_at < ends_at and starts_at < w.ends_at]


@dataclass(frozen=True)
class RunningOffer:
    """A campaign's offer on a product with the campaign's time: in force while starts_at <= t < ends_at."""

    campaign_id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    sale_price_fen: int | None
    rate_bp: int | None
    text: str = ""

    def in_force(self, at: dt.datetime) -> bool:
        """True while the campaign runs at `at`."""
        return self.starts_at <= at < self.ends_at


def offer_at(offers: Iterable[RunningOffer], at: dt.datetime) -> RunningOffer | None:
    """The (scheduled) campaign offer in force at `at`, or None: the normal price and rate apply."""
    return next((offer for offer in offers if offer.in_force(at)), None)


def campaign_title(title: str, running_title: str | None) -> str:
    """A product's title as shared while a campaign (titled running_title; None: none) runs on it: the campaign's
    title first."""
    return title if running_title is None else f"【{running_title}】{title}"


def capped_price(normal_fen: int, sale_price_fen: int | None) -> int:
    """The normal price capped by a sale price (a SKU cheaper than the sale price keeps its own); None: no cap."""
    return normal_fen if sale_price_fen is None else min(normal_fen, sale_price_fen)


def sale_price(normal_fen: int, offer: RunningOffer | None) -> int:
    """The unit price a buyer pays: the campaign's sale price while it runs (capped_price), else the normal price."""
    return capped_price(normal_fen, None if offer is None else offer.sale_price_fen)
