"""Storefront jobs: send payment notices (at once, and swept until taken), confirm receipt automatically."""

from __future__ import annotations

from distro.db import session_scope
from distro.settings import current_settings
from distro.storefront import fulfilment, notices
from distro.storefront.payments import notice_sender


def send_payment_notice(order_ref: str) -> dict[str, int]:
    """Send one paid checkout's order.paid notice now (the sweep retries it if it is not taken)."""
    settings = current_settings()
    with session_scope() as session:
        return notices.deliver_payment_notices(session=session, send=notice_sender(settings), order_refs=[order_ref])


def resend_payment_notices() -> dict[str, int]:
    """Send every payment notice that is due and not yet acknowledged (`rq cron`, every minute)."""
    settings = current_settings()
    with session_scope() as session:
        return notices.deliver_due_payment_notices(session=session, send=notice_sender(settings))


def auto_confirm_receipts() -> int:
    """Confirm receipt of orders shipped AUTO_CONFIRM_RECEIPT_DAYS ago that no buyer confirmed (`rq cron`)."""
    days = int(current_settings()["AUTO_CONFIRM_RECEIPT_DAYS"])
    with session_scope() as session:
        confirmed = fulfilment.auto_confirm_receipts(session=session, days=days)
    if confirmed:
        from distro.storefront.events import ask_for_processing

        ask_for_processing(current_settings())
    return confirmed
