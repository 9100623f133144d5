"""The chart of accounts and the rules a posting must satisfy (pure: no database).

Amounts on entries are signed fen, debit positive and credit negative, so a posting balances
when its entries sum to zero. Account codes name their owner: ``shop:42:pending``,
``supplier:7:payable``, ``platform:revenue``, ``payouts:clearing``, ``cash``.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass


class AccountType(enum.StrEnum):
    """Kinds of account; the type decides which side is the account's normal balance."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        """True when a debit (positive entry) increases this account's balance."""
        return self in (AccountType.ASSET, AccountType.EXPENSE)


# Pattern of each account family -> its type. Owners' ids are positive integers of at most 18 digits, so they
# always fit the bigint settlement reads them back as; \Z, unlike $, refuses a trailing newline.
ACCOUNT_FAMILIES: dict[str, tuple[re.Pattern[str], AccountType, str]] = {
    "cash": (re.compile(r"^cash\Z"), AccountType.ASSET, "Cash at bank"),
    "payouts_clearing": (re.compile(r"^payouts:clearing\Z"), AccountType.LIABILITY, "Payouts in flight"),
    "platform_revenue": (re.compile(r"^platform:revenue\Z"), AccountType.REVENUE, "Platform commission revenue"),
    "platform_adjustments": (
        re.compile(r"^platform:adjustments\Z"),
        AccountType.EXPENSE,
        "Manual corrections and write-offs",
    ),
    "supplier_payable": (
        re.compile(r"^supplier:[1-9]\d{0,17}:payable\Z"),
        AccountType.ASSET,
        "Commission the supplier owes",
    ),
    "supplier_deposit": (
        re.compile(r"^supplier:[1-9]\d{0,17}:deposit\Z"),
        AccountType.LIABILITY,
        "Deposit the supplier paid in, held by the platform",
    ),
    "buyer_compensation": (
        re.compile(r"^platform:buyer_compensation\Z"),
        AccountType.LIABILITY,
        "Promise compensation owed to buyers",
    ),
    "shop_pending": (
        re.compile(r"^shop:[1-9]\d{0,17}:pending\Z"),
        AccountType.LIABILITY,
        "Commission earned, not yet payable",
    ),
    "shop_available": (
        re.compile(r"^shop:[1-9]\d{0,17}:available\Z"),
        AccountType.LIABILITY,
        "Commission payable to the shop",
    ),
}


class PostingError(ValueError):
    """A posting that breaks a ledger rule; the message says which."""


@dataclass(frozen=True)
class EntryLine:
    """One entry of a posting: signed fen on one account (debit positive, credit negative)."""

    account: str
    amount: int


# Every posting checks each of its codes: the platform's and suppliers' accounts recur in most of them.
@functools.lru_cache(maxsize=4096)
def account_type(code: str) -> AccountType:
    """Return the type of the account with this code, or raise PostingError for an unknown code."""
    for pattern, kind, _ in ACCOUNT_FAMILIES.values():
        if pattern.match(code):
            return kind
    raise PostingError(f"unknown account code {code!r}")


def account_name(code: str) -> str:
    """Return a human description of the account with this code."""
    for pattern, _, name in ACCOUNT_FAMILIES.values():
        if pattern.match(code):
            return name
    raise PostingError(f"unknown account code {code!r}")


def account_owner(code: str) -> tuple[str, int] | None:
    """The shop or supplier a valid account code names, as ("shop", 42) or ("supplier", 7); None for the
    platform's own accounts and for codes that are not in the chart."""
    family, _, rest = code.partition(":")
    if family in ("shop", "supplier") and any(pattern.match(code) for pattern, _, _ in ACCOUNT_FAMILIES.values()):
        return family, int(rest.partition(":")[0])
    return None


def shop_account(shop_id: int, bucket: str) -> str:
    """Code of a shop's ledger account; bucket is 'pending' or 'available'."""
    return f"shop:{shop_id}:{bucket}"


def supplier_account(supplier_id: int) -> str:
    """Code of the account holding the commission a supplier owes."""
    return f"supplier:{supplier_id}:payable"


def supplier_deposit_account(supplier_id: int) -> str:
    """Code of the account holding the deposit (保证金) a supplier paid in."""
    return f"supplier:{supplier_id}:deposit"


CASH = "cash"
"""Code of the platform's bank account: money in (deposits, suppliers' remittances), money out (payouts, deposits
returned, compensation paid to buyers)."""
PLATFORM_REVENUE = "platform:revenue"
"""Code of the account holding the platform's share of commission."""
BUYER_COMPENSATION = "platform:buyer_compensation"
"""Code of the account holding the compensation a supplier's broken promise owes buyers, until it is paid out."""


def check_posting(lines: Sequence[EntryLine]) -> None:
    """Raise PostingError unless lines form a valid posting.

    Valid: two or more entries, every amount a non-zero int of fen, every account known,
    and the amounts summing to exactly zero.
    """
    if len(lines) < 2:
        raise PostingError("a posting needs at least two entries")
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise PostingError(f"entry amount on {line.account} must be an int of fen")
        if line.amount == 0:
            raise PostingError(f"entry on {line.account} has a zero amount")
        account_type(line.account)
    total = sum(line.amount for line in lines)
    if total != 0:
        raise PostingError(f"entries sum to {total} fen, not zero")


def reversal_of(lines: Sequence[EntryLine]) -> list[EntryLine]:
    """Return the entries that exactly undo the given ones."""
    return [EntryLine(line.account, -line.amount) for line in lines]
