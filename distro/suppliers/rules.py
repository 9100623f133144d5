"""Supplier qualification, status changes, product rules and the commission rate in force (pure)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from distro.money import format_cny
from distro.validation import FieldError


class SupplierStatus(enum.StrEnum):
    """Where a supplier stands with the platform."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class SupplierAction(enum.StrEnum):
    """What an admin can decide about a supplier."""

    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REMOVE = "remove"


# action -> (statuses it applies to, resulting status)
TRANSITIONS: dict[SupplierAction, tuple[frozenset[SupplierStatus], SupplierStatus]] = {
    SupplierAction.APPROVE: (frozenset({SupplierStatus.APPLIED}), SupplierStatus.APPROVED),
    SupplierAction.REJECT: (frozenset({SupplierStatus.APPLIED}), SupplierStatus.REJECTED),
    SupplierAction.SUSPEND: (frozenset({SupplierStatus.APPROVED}), SupplierStatus.SUSPENDED),
    SupplierAction.REINSTATE: (frozenset({SupplierStatus.SUSPENDED}), SupplierStatus.APPROVED),
    SupplierAction.REMOVE: (
        frozenset({SupplierStatus.APPROVED, SupplierStatus.SUSPENDED}),
        SupplierStatus.REMOVED,
    ),
}

# Actions that must say why (the supplier is told).
ACTIONS_NEEDING_REASON = frozenset({SupplierAction.REJECT, SupplierAction.SUSPEND, SupplierAction.REMOVE})

# A supplier may (re)apply from these statuses.
MAY_APPLY_FROM = frozenset({None, SupplierStatus.REJECTED})

# An admin stopped these suppliers: they can change nothing (a suspended one can still read).
STOPPED = frozenset({SupplierStatus.SUSPENDED, SupplierStatus.REMOVED})
MAY_READ = frozenset({SupplierStatus.APPROVED, SupplierStatus.SUSPENDED})


class TransitionRefused(ValueError):
    """The action does not apply to the supplier's current status."""


def next_status(current: SupplierStatus, action: SupplierAction) -> SupplierStatus:
    """The status after an admin's action (the same when the supplier already has the action's status:
    deciding twice changes nothing), or TransitionRefused when it does not apply."""
    allowed_from, result = TRANSITIONS[action]
    if current not in allowed_from and current is not result:
        raise TransitionRefused(f"cannot {action.value} a supplier that is {current.value}")
    return result


@dataclass(frozen=True)
class QualificationPolicy:
    """The bar a supplier must clear (淘小铺's by default)."""

    min_registered_capital_fen: int
    require_general_vat_taxpayer: bool
    min_deposit_fen: int
    max_brand_chain_depth: int

    @classmethod
    def from_settings(cls, settings) -> QualificationPolicy:
        """The policy from SUPPLIER_* settings."""
        return cls(
            min_registered_capital_fen=int(settings["SUPPLIER_MIN_REGISTERED_CAPITAL_FEN"]),
            require_general_vat_taxpayer=bool(settings["SUPPLIER_REQUIRE_GENERAL_VAT_TAXPAYER"]),
            min_deposit_fen=int(settings["SUPPLIER_MIN_DEPOSIT_FEN"]),
            max_brand_chain_depth=int(settings["SUPPLIER_MAX_BRAND_CHAIN_DEPTH"]),
        )


@dataclass(frozen=True)
class Qualification:
    """What a supplier declares when applying."""

    registered_capital_fen: int
    general_vat_taxpayer: bool
    deposit_paid_fen: int
    brand_chain_depth: int | None
    traceable_purchase_record: bool


def qualification_failures(application: Qualification, policy: QualificationPolicy) -> list[FieldError]:
    """Every qualification rule the application falls short of (empty when it qualifies)."""
    failures = []
    if application.registered_capital_fen < policy.min_registered_capital_fen:
        failures.append(
            FieldError(
                "registered_capital_fen",
                f"registered capital must be at least {format_cny(policy.min_registered_capital_fen)}",
                "min_registered_capital",
            )
        )
    if policy.require_general_vat_taxpayer and not application.general_vat_taxpayer:
        failures.append(
            FieldError(
                "general_vat_taxpayer",
                "the supplier must be a general VAT taxpayer (一般纳税人)",
                "general_vat_taxpayer",
            )
        )
    if application.deposit_paid_fen < policy.min_deposit_fen:
        failures.append(
            FieldError(
                "deposit_paid_fen",
                f"a deposit of at least {format_cny(policy.min_deposit_fen)} must be paid",
                "min_deposit",
            )
        )
    depth_ok = application.brand_chain_depth is not None and 1 <= application.brand_chain_depth <= (
        policy.max_brand_chain_depth
    )
    if not depth_ok and not application.traceable_purchase_record:
        failures.append(
            FieldError(
                "brand_chain_depth",
                f"needs a brand authorisation chain of at most {policy.max_brand_chain_depth} links "
                "or a traceable purchase record",
                "brand_authorisation",
            )
        )
    return failures


@dataclass(frozen=True)
class RateBounds:
    """The commission rates a supplier may set, in basis points."""

    floor_bp: int
    cap_bp: int

    @classmethod
    def from_settings(cls, settings) -> RateBounds:
        """The bounds from COMMISSION_RATE_* settings."""
        return cls(int(settings["COMMISSION_RATE_FLOOR_BP"]), int(settings["COMMISSION_RATE_CAP_BP"]))


def rate_failures(rate_bp: int, bounds: RateBounds, field: str = "rate_bp") -> list[FieldError]:
    """The rate's violations of the platform floor and cap."""
    if rate_bp < bounds.floor_bp:
        return [FieldError(field, f"must be at least the platform floor of {bounds.floor_bp} bp", "rate_floor")]
    if rate_bp > bounds.cap_bp:
        return [FieldError(field, f"must be at most the platform cap of {bounds.cap_bp} bp", "rate_cap")]
    return []


@dataclass(frozen=True)
class RateChange:
    """One change of a product's commission rate: effective from its time for orders paid from then on."""

    effective_from: dt.datetime
    id: int
    rate_bp: int


@dataclass(frozen=True)
class RateBoost:
    """A campaign's boosted rate on a product: in force for orders paid while starts_at <= paid_at < ends_at."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    rate_bp: int
    campaign_id: int
    campaign_title: str = ""


def boost_in_force(boosts: Iterable[RateBoost], paid_at: dt.datetime) -> RateBoost | None:
    """The campaign boost in force for an order paid at `paid_at`, or None (a product is in one campaign at a time;
    of two, the later-starting one)."""
    return max(
        (boost for boost in boosts if boost.starts_at <= paid_at < boost.ends_at),
        key=lambda boost: (boost.starts_at, boost.campaign_id),
        default=None,
    )


def rate_in_force(changes: Iterable[RateChange], paid_at: dt.datetime, boosts: Iterable[RateBoost] = ()) -> int | None:
    """The product's rate for an order paid at `paid_at`: a running campaign's boosted rate, else its latest change
    effective then (the later one of two at the same time); None when it was paid before the product's first rate
    and no campaign ran."""
    boost = boost_in_force(boosts, paid_at)
    if boost is not None:
        return boost.rate_bp
    in_force = max(
        (change for change in changes if change.effective_from <= paid_at),
        key=lambda change: (change.effective_from, change.id),
        default=None,
    )
    return None if in_force is None else in_force.rate_bp


def price_failures(prices_fen: list[tuple[str, int]], other_platform_price_fen: int) -> list[FieldError]:
    """Prices (field, fen) above the price on other platforms: the price here may not exceed it."""
    return [
        FieldError(
            field,
            f"must not exceed the price on other platforms ({format_cny(other_platform_price_fen)})",
            "price_above_other_platforms",
        )
        for field, price in prices_fen
        if price > other_platform_price_fen
    ]


# Product categories: code -> Chinese display name.
CATEGORIES = {
    "food_health": "食品保健",
    "beauty_personal_care": "美妆个护",
    "mother_baby_toys": "母婴玩具",
    "home_appliances": "家居家电",
    "apparel_sports": "服饰运动",
    "digital": "数码电子",
    "fresh_produce": "生鲜水果",
    "books_stationery": "图书文具",
    "other": "其他",
}
