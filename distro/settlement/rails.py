"""Payout rails: how a batch's payouts reach the owners, behind one interface, chosen by PAYOUT_RAIL.

* ``bank_file`` (today's flow): finance downloads the payment file (exports.py), carries it to the bank and
  uploads the bank's results file; nothing is submitted from distro, so it has no `submit`.
* ``demo`` (rail_demo.py): "pays" at once and answers as a real rail would, failing some payouts by a fixed rule;
  the console labels it 演示, and it is refused outside development (settings.validate_settings).

rail_payments.payout_rail picks one; an online rail is called by rail_payments.pay_through_rail: every payout is
recorded in payout_submissions and committed before the rail sees it, so a crash or a second click never submits
one twice; the rail's answers go through payout_results.record_results, as a bank file's rows do.

A real rail implements PayoutRail with the payout id as the idempotency key the provider knows it by, and
`outcomes` asking the provider what became of payouts submitted before (README, "Payout rails", says how WeChat
Pay's 商家转账 and Alipay's single transfer would be added).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from distro.settlement.payout_results import PayoutResult

BANK_FILE, DEMO = "bank_file", "demo"
PAYOUT_RAILS = (BANK_FILE, DEMO)
"""What PAYOUT_RAIL may name: the bank file, or the demo rail (development only)."""


@dataclass(frozen=True)
class Transfer:
    """One payout as a rail is given it: who is paid how much, and where."""

    payout_id: int
    amount_fen: int
    payee_kind: str
    account_name: str
    account_number: str
    bank_name: str | None


class RailNotOnline(Exception):
    """The configured rail is paid by file, not through a call."""


class PayoutRail(Protocol):
    """Pays transfers and says what became of them."""

    name: str
    online: bool
    """True when distro pays through it (a 付款 button); False when finance carries a file to the bank."""
    demo: bool
    """True for a rail that moves no money (labelled 演示 wherever it shows)."""

    def submit(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """Hand the transfers to the provider (each once; the payout id is its idempotency key there) and return
        the results already known; the others come later through `outcomes`."""
        ...

    def outcomes(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """Ask what became of transfers submitted earlier (never submitting them again); known results only."""
        ...


class BankFileRail:
    """Today's flow: the payment file goes to the bank by hand and its results file comes back (no call)."""

    name = BANK_FILE
    online = False
    demo = False

    def submit(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """Refuse: payouts on this rail are paid by the bank from the payment file."""
        raise RailNotOnline("PAYOUT_RAIL is bank_file: pay with the payment file and upload the bank's results")

    def outcomes(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """Nothing is known here: the bank's results file says it."""
        return []
