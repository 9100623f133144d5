"""Shop names, slugs, eligibility, and admins suspending or closing a shop (pure)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from distro.validation import FieldError

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,28}[a-z0-9])$")


@dataclass(frozen=True)
class ShopPolicy:
    """How shops are named and opened (configurable; 淘小铺's rules by default)."""

    name_min_length: int
    name_max_length: int
    forbidden_words: tuple[str, ...]
    name_suffix: str
    eligibility: str
    min_credit_score: int
    shops_per_owner: int
    max_products: int
    reason_max_length: int

    @classmethod
    def from_settings(cls, settings: Mapping) -> ShopPolicy:
        """The policy from SHOP_* settings."""
        return cls(
            name_min_length=int(settings["SHOP_NAME_MIN_LENGTH"]),
            name_max_length=int(settings["SHOP_NAME_MAX_LENGTH"]),
            forbidden_words=tuple(settings["SHOP_NAME_FORBIDDEN_WORDS"]),
            name_suffix=str(settings["SHOP_NAME_SUFFIX"]),
            eligibility=str(settings["SHOP_ELIGIBILITY"]),
            min_credit_score=int(settings["SHOP_MIN_CREDIT_SCORE"]),
            shops_per_owner=int(settings["SHOPS_PER_OWNER"]),
            max_products=int(settings["SHOP_MAX_PRODUCTS"]),
            reason_max_length=int(settings["SHOP_REASON_MAX_LENGTH"]),
        )


def normalise_name(name: str) -> str:
    """The name as stored and compared: surrounding space removed, inner runs of space folded."""
    return " ".join(name.split())


def name_failures(name: str, policy: ShopPolicy) -> list[FieldError]:
    """Every naming rule the (normalised) shop name breaks."""
    failures = []
    if not policy.name_min_length <= len(name) <= policy.name_max_length:
        failures.append(
            FieldError("name", f"must be {policy.name_min_length} to {policy.name_max_length} characters", "length")
        )
    for word in policy.forbidden_words:
        if word in name:
            failures.append(FieldError("name", f"must not contain {word}", "forbidden_word"))
    if policy.name_suffix and name.endswith(policy.name_suffix):
        failures.append(FieldError("name", f"must not end with {policy.name_suffix}; it is added for you", "suffix"))
    return failures


@dataclass(frozen=True)
class NameCheck:
    """One naming rule as an owner typing a name sees it: the rule (as name_failures names it) and whether the
    name keeps it."""

    rule: str
    ok: bool


NAME_RULES = ("length", "forbidden_word", "suffix")
"""The naming rules name_failures applies, in the order a form lists them."""


def name_checks(name: str, policy: ShopPolicy, *, taken: bool | None = None) -> list[NameCheck]:
    """Every naming rule with whether the (normalised) name keeps it, as name_failures judges it; then whether
    the name is free, when taken is known (it is asked of the database only for a name that keeps the rules)."""
    broken = {failure.rule for failure in name_failures(name, policy)}
    checks = [NameCheck(rule, rule not in broken) for rule in NAME_RULES]
    if taken is not None:
        checks.append(NameCheck("unique", not taken))
    return checks


def display_name(name: str, policy: ShopPolicy) -> str:
    """The name shown to buyers: the owner's name plus the system suffix."""
    return f"{name}{policy.name_suffix}"


def slug_failures(slug: str) -> list[FieldError]:
    """Slug rules: 3–30 characters of lowercase letters, digits and inner hyphens."""
    if not SLUG_PATTERN.match(slug):
        return [FieldError("slug", "must be 3-30 lowercase letters, digits or inner hyphens", "slug")]
    return []


def eligibility_failures(credit_score: int | None, policy: ShopPolicy) -> list[FieldError]:
    """Under the credit-score rule, a missing or low score keeps the owner from opening a shop."""
    if policy.eligibility != "credit_score":
        return []
    if credit_score is None or credit_score < policy.min_credit_score:
        shown = "no credit score" if credit_score is None else f"a credit score of {credit_score}"
        return [
            FieldError(
                "credit_score",
                f"opening a shop needs a credit score of at least {policy.min_credit_score}; the account has {shown}",
                "min_credit_score",
            )
        ]
    return []


def reorder_failures(current: Sequence[int], wanted: Sequence[int]) -> list[FieldError]:
    """Violations of a reorder request: it must list exactly the shop's products, each once."""
    if sorted(wanted) != sorted(current) or len(set(wanted)) != len(wanted):
        return [FieldError("product_ids", "must list every product of the shop exactly once", "permutation")]
    return []


def moved(order: Sequence[int], product_id: int, step: int) -> list[int]:
    """The shop's order with product_id moved step places (negative: towards the first), stopping at either end.
    ValueError when product_id is not in the order."""
    ids = list(order)
    index = ids.index(product_id)
    ids.insert(max(0, min(len(ids) - 1, index + step)), ids.pop(index))
    return ids


class ShopAction(enum.StrEnum):
    """What an admin can do to stop (or end stopping) a shop."""

    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    CLOSE = "close"


# action -> (statuses it applies to, resulting status). Closing is final.
SHOP_TRANSITIONS: dict[ShopAction, tuple[frozenset[str], str]] = {
    ShopAction.SUSPEND: (frozenset({"active"}), "suspended"),
    ShopAction.REINSTATE: (frozenset({"suspended"}), "active"),
    ShopAction.CLOSE: (frozenset({"pending_approval", "active", "suspended"}), "closed"),
}


# What a shop's owner is told of its status: a name, and what it means for their sales and money.
SHOP_STATUS_FOR_OWNER: dict[str, tuple[str, str]] = {
    "pending_approval": ("待审核", "平台审核通过后即可开店营业。"),
    "active": ("营业中", ""),
    "suspended": ("暂停营业", "店铺页面和分享链接暂停接单；已有佣金照常计算，恢复营业后再结算打款。"),
    "closed": ("已关闭", "店铺不再接单；已有佣金由平台审核后处理。"),
}


class ShopTransitionRefused(ValueError):
    """The action does not apply to the shop's current status."""


@dataclass(frozen=True)
class ShopStanding:
    """Where a shop stands with the platform: its status, and whether settlement pays it."""

    status: str
    payouts_frozen: bool = False


def standing_after(current: ShopStanding, action: ShopAction, *, pay_earned: bool = False) -> ShopStanding:
    """The shop's standing after an admin's action; the same standing when the shop already has the action's status.

    A suspended shop's commission keeps going through its hold but is not paid out until it is reinstated.
    A closed shop's is frozen for review (closed for abuse), unless pay_earned (closed at its owner's
    request): then it is paid what it earned. Raises ShopTransitionRefused when the action does not apply.
    """
    allowed_from, result = SHOP_TRANSITIONS[action]
    if current.status == result:
        return current
    if current.status not in allowed_from:
        raise ShopTransitionRefused(f"cannot {action.value} a shop that is {current.status}")
    frozen = {ShopAction.SUSPEND: True, ShopAction.REINSTATE: False, ShopAction.CLOSE: not pay_earned}[action]
    return ShopStanding(result, frozen)
