"""A month of commission and settlement as the ledger holds it (pure): what was accrued, reversed, clawed
back, released, reserved, paid and returned, and what each supplier owes and remitted.

Every figure is a sum of ledger entries posted in the month (Asia/Shanghai), read by posting kind and
account, so the view ties to the ledger by construction; the identity it states ties the figures to the
change in what owners are owed (their pending and available balances, and payouts in flight):

    accrued − reversed − clawed_back − paid + adjustments = change in owed to owners (owner figures)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

IDENTITY = "accrued - reversed - clawed_back - paid + adjustments = owed_to_owners_change (owner figures)"
COMMISSION_KINDS = {
    "accrual": "accrued",
    "accrual_adjustment": "accrued",
    "reversal": "reversed",
    "clawback": "clawed_back",
}
"""Posting kinds of commission lines (distro.commission.orders.posting_kind) → the figure they count in."""
PAYOUT_KINDS = {
    "release": "released",
    "payout_reserve": "reserved",
    "payout_paid": "paid",
    "payout_failed": "failed_returned",
    "payout_cancel": "cancelled_returned",
}
"""Posting kinds of commission becoming payable and of settlement → the figure they count in."""
SUPPLIER_KINDS = {"supplier_remittance": "remitted"}
"""Posting kinds of suppliers paying what they owe (distro/dues) → the figure they count in."""
DEPOSIT_KINDS = {
    "deposit_paid": "deposits",
    "promise_compensation": "deposits",
    "deposit_penalty": "deposits",
    "deposit_returned": "deposits",
    "promise_compensation_paid": "deposits",
}
"""Posting kinds of suppliers' deposits (distro/deposits/services.py) and of the compensation drawn from them for
buyers (distro/promises): known, but no figure of the owners' identity (a deposit is the supplier's money the
platform holds, not commission)."""
OWNERS = frozenset({"shop_pending", "shop_available", "payouts_clearing"})
"""Account families holding what owners are owed: earned, payable, and paid out but not yet at the bank."""
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")


def month_of(text: str) -> dt.date:
    """The first day of the month written YYYY-MM (1970-01 to 8999-12); ValueError otherwise."""
    match = _MONTH.match(text)
    if not match or not 1970 <= int(match[1]) < 9000:
        raise ValueError("must be a month written YYYY-MM, from 1970-01 to 8999-12")
    return dt.date(int(match[1]), int(match[2]), 1)


@dataclass(frozen=True)
class Movement:
    """Entries of one kind of posting on one family of accounts in the month, summed (debit positive).

    manual: postings by finance (adjustments, and reversals of a posting), whatever their kind.
    supplier_id: the supplier whose payable account it is, for the supplier family.
    """

    kind: str
    manual: bool
    family: str
    amount: int
    supplier_id: int | None = None


def _split(sign: int, by_family: dict[str, int]) -> dict[str, int]:
    owner = by_family.get("shop_pending", 0) + by_family.get("shop_available", 0)
    return {
        "pool_fen": sign * by_family.get("supplier_payable", 0),
        "owner_fen": -sign * owner,
        "platform_fen": -sign * by_family.get("platform_revenue", 0),
    }


def period_report(month: dt.date, movements: Iterable[Movement]) -> dict:
    """The month's figures from its ledger movements, each ≥ 0 but for adjustments, and the identity's check."""
    sums: dict[tuple[str, str], int] = {}
    suppliers: dict[int, dict[str, int]] = {}
    other: set[str] = set()
    owed_change = adjustments = 0
    for move in movements:
        figure = (
            "adjustments"
            if move.manual
            else COMMISSION_KINDS.get(move.kind)
            or PAYOUT_KINDS.get(move.kind)
            or SUPPLIER_KINDS.get(move.kind)
            or DEPOSIT_KINDS.get(move.kind)
        )
        if figure is None:
            other.add(move.kind)
            figure = "other"
        sums[figure, move.family] = sums.get((figure, move.family), 0) + move.amount
        if move.family in OWNERS:
            owed_change -= move.amount  # credit-normal: a credit is more owed
            if figure == "adjustments":
                adjustments -= move.amount
        if move.supplier_id is not None:
            owes = suppliers.setdefault(
                move.supplier_id, {"accrued": 0, "reversed": 0, "clawed_back": 0, "remitted": 0, "owed": 0}
            )
            owes["owed"] += move.amount  # debit-normal: what the supplier owes
            if figure in owes:
                owes[figure] += move.amount if figure == "accrued" else -move.amount

    def family_sums(figure: str) -> dict[str, int]:
        return {family: amount for (name, family), amount in sums.items() if name == figure}

    accrued = _split(1, family_sums("accrued"))
    reversed_ = _split(-1, family_sums("reversed"))
    clawed = _split(-1, family_sums("clawed_back"))
    paid = -family_sums("paid").get("cash", 0)
    report = {
        "month": month.strftime("%Y-%m"),
        "accrued": accrued,
        "reversed": reversed_,
        "clawed_back": clawed,
        "released_fen": -family_sums("released").get("shop_available", 0),
        "reserved_fen": -family_sums("reserved").get("payouts_clearing", 0),
        "paid_fen": paid,
        "failed_returned_fen": family_sums("failed_returned").get("payouts_clearing", 0),
        "cancelled_returned_fen": family_sums("cancelled_returned").get("payouts_clearing", 0),
        "adjustments_to_owners_fen": adjustments,
        "owed_to_owners_change_fen": owed_change,
        "unclassified_kinds": sorted(other),
        "owed_by_supplier": [
            {"supplier_id": supplier_id, **{f"{name}_fen": fen for name, fen in owes.items()}}
            for supplier_id, owes in sorted(suppliers.items())
        ],
        "identity": IDENTITY,
    }
    explained = accrued["owner_fen"] - reversed_["owner_fen"] - clawed["owner_fen"] - paid + adjustments
    report["ties_out"] = explained == owed_change and not other
    return report
