"""Supplier dues' rules (pure): a statement's figures from the month's movements on the supplier's payable account,
what is still outstanding, when it falls due, how long it has been overdue, when that suspends the supplier, and the
entries a remittance posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from distro.clock import BUSINESS_TZ
from distro.ledger.chart import CASH, EntryLine, supplier_account

REMITTANCE = "supplier_remittance"
"""The kind of the posting a remittance makes once approved: debit cash, credit the supplier's payable account."""


@dataclass(frozen=True)
class Figures:
    """A statement's figures in fen: each ≥ 0 but adjusted (finance's corrections, either way), opening and closing
    (a supplier may have paid more than it owed). opening + accrued − reversed − clawed_back − remitted + adjusted =
    closing."""

    opening: int
    accrued: int
    reversed: int
    clawed_back: int
    remitted: int
    adjusted: int
    closing: int

    @property
    def owed_for_period(self) -> int:
        """The commission the month's goods owe the platform: accrued less reversed and clawed back (本期应付)."""
        return self.accrued - self.reversed - self.clawed_back


def figures(*, closing: int, change: int, accrued: int, reversed_: int, clawed_back: int, remitted: int) -> Figures:
    """A statement from the account's balance at the month's end (closing), the month's net change of it (change,
    debit positive) and the month's sums by kind; what the kinds do not explain is finance's corrections."""
    return Figures(
        opening=closing - change,
        accrued=accrued,
        reversed=reversed_,
        clawed_back=clawed_back,
        remitted=remitted,
        adjusted=change - accrued + reversed_ + clawed_back + remitted,
        closing=closing,
    )


def outstanding(closing: int, remitted_since: int) -> int:
    """What a statement still asks for: what the supplier owed at the month's end less what it remitted after; never
    below 0 (remitting more pays what came after)."""
    return max(0, closing - remitted_since)


def due_on(sent_at: dt.datetime, days: int) -> dt.date:
    """The day (Asia/Shanghai) a statement sent at sent_at is due: days after the day it was sent."""
    return sent_at.astimezone(BUSINESS_TZ).date() + dt.timedelta(days=days)


def days_overdue(due: dt.date | None, today: dt.date, still_owed: int) -> int:
    """How many days a statement is past its due day with money outstanding (0 when not sent, not yet due, or paid)."""
    if due is None or still_owed <= 0:
        return 0
    return max(0, (today - due).days)


def suspends(days: int, limit_days: int) -> bool:
    """Whether dues this many days overdue suspend the supplier: more than limit_days (SUPPLIER_DUES_SUSPEND_DAYS);
    a limit of 0 or less turns the rule off."""
    return limit_days > 0 and days > limit_days


def remittance_lines(supplier_id: int, amount_fen: int) -> list[EntryLine]:
    """What an approved remittance posts: the money at the bank (debit cash) pays the supplier's dues (credit its
    payable account)."""
    return [EntryLine(CASH, amount_fen), EntryLine(supplier_account(supplier_id), -amount_fen)]
