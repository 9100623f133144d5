"""Periodic work of promises: find broken promises and post their compensation; refund storefront buyers."""

from __future__ import annotations

from distro.clock import utcnow
from distro.db import session_scope
from distro.promises import enforcement, payouts
from distro.settings import current_settings
from distro.storefront.payments import payment_provider


def enforce_promises() -> int:
    """Record every breach found among orders paid in the last PROMISE_LOOKBACK_DAYS and post its compensation
    (`rq cron`, every 10 minutes); return how many were new."""
    lookback = int(current_settings()["PROMISE_LOOKBACK_DAYS"])
    with session_scope() as session:
        return enforcement.enforce_promises(session, now=utcnow(), lookback_days=lookback)


def refund_compensations() -> int:
    """Pay storefront buyers the compensation their orders' breaches owe, by a refund through the payment provider
    (`rq cron`, every 10 minutes, after enforce_promises); return how many were paid."""
    provider = payment_provider(current_settings())
    with session_scope() as session:
        return payouts.refund_storefront_compensations(session=session, provider=provider, now=utcnow())
