"""The demo payout rail: pays at once, moves no money, and answers as a real rail would, failing by fixed rules.

Refused outside development (settings.validate_settings) and labelled 演示 in the console. Its outcomes are a
pure function of the transfer, so a test (or someone trying the console) can make a payout fail on purpose:

* an account number ending in 0000 fails with 收款账户信息不符 (the name does not match the account);
* an amount above ¥50,000.00 fails with 超出单笔转账限额 (the provider's limit for one transfer);
* everything else is paid, with the reference DEMO-<payout id>.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from distro.settlement.lifecycle import FAILED, PAID
from distro.settlement.payout_results import PayoutResult
from distro.settlement.rails import DEMO, Transfer

SINGLE_TRANSFER_LIMIT_FEN = 5_000_000
"""The largest amount the demo rail pays in one transfer (¥50,000.00), as real wallets cap one transfer."""
MISMATCHED_ACCOUNT_SUFFIX = "0000"
ACCOUNT_MISMATCH = "收款账户信息不符"
OVER_LIMIT = "超出单笔转账限额"

_submitted: deque[int] = deque(maxlen=1_000_000)  # payout ids this process submitted, oldest first (for tests)


def demo_outcome(transfer: Transfer) -> PayoutResult:
    """What the demo rail says of a transfer: failed (account mismatch, over the limit) or paid."""
    if transfer.account_number.endswith(MISMATCHED_ACCOUNT_SUFFIX):
        return PayoutResult(transfer.payout_id, FAILED, None, ACCOUNT_MISMATCH)
    if transfer.amount_fen > SINGLE_TRANSFER_LIMIT_FEN:
        return PayoutResult(transfer.payout_id, FAILED, None, OVER_LIMIT)
    return PayoutResult(transfer.payout_id, PAID, f"DEMO-{transfer.payout_id}", None)


class DemoRail:
    """Pays every transfer at once by demo_outcome; remembers what it was handed in this process."""

    name = DEMO
    online = True
    demo = True

    def submit(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """Record each transfer as submitted and answer its outcome now."""
        _submitted.extend(transfer.payout_id for transfer in transfers)
        return [demo_outcome(transfer) for transfer in transfers]

    def outcomes(self, transfers: Sequence[Transfer]) -> list[PayoutResult]:
        """The same fixed outcomes, asked again (nothing is submitted)."""
        return [demo_outcome(transfer) for transfer in transfers]


def demo_submissions() -> list[int]:
    """The payout ids the demo rail was handed in this process, oldest first, each as often as it was handed."""
    return list(_submitted)
