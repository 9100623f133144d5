"""The demo payment provider's side: send order.paid for a paid checkout, as a real provider would."""

from __future__ import annotations

from distro.db import session_scope
from distro.settings import current_settings
from distro.storefront import services
from distro.storefront.payments import send_signed_event


def send_paid_event(order_ref: str) -> int:
    """POST the signed order.paid of a paid demo checkout to distro's /webhooks/orders; return the status."""
    settings = current_settings()
    with session_scope() as session:
        checkout = services.get_checkout(session, order_ref)
        data = services.paid_event(session, checkout)
    url = f"{settings['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/orders"
    return send_signed_event(url, "order.paid", data, settings["ORDER_WEBHOOK_SECRETS"][0])
