"""Payment providers behind one interface; the embedded default ships only a clearly labelled demo.

A real provider (WeChat Pay, Alipay) redirects the buyer to its cashier and later sends order.paid
to /webhooks/orders. The demo provider plays both parts: its page asks the buyer to confirm, then a
job sends order.paid signed exactly as a real provider would, over HTTP, through the same endpoint.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from distro.outbound.signing import sign
from distro.settings import ConfigurationError


class PaymentProvider(Protocol):
    """Where to send a buyer to pay for a checkout."""

    name: str

    def payment_url(self, access_token: str) -> str:
        """The page the buyer is redirected to, to pay for the checkout their order link opens."""
        ...


class DemoPaymentProvider:
    """Demo: a confirm page on distro itself; nothing is charged."""

    name = "demo"

    def payment_url(self, access_token: str) -> str:
        """distro's own demo cashier page."""
        return f"/pay/demo/{access_token}"


def payment_provider(settings: Mapping) -> PaymentProvider:
    """The provider named by PAYMENT_PROVIDER."""
    if settings["PAYMENT_PROVIDER"] == "demo":
        return DemoPaymentProvider()
    raise ConfigurationError(f"DISTRO_PAYMENT_PROVIDER={settings['PAYMENT_PROVIDER']!r} is not available; use 'demo'.")


def send_signed_event(
    url: str, event_type: str, data: Mapping, secret: str, *, event_id: str | None = None, timeout: float = 10
) -> int:
    """POST an order event to url signed per Standard Webhooks, as the order system does; return the status.

    A resend of the same event keeps its event_id, so the receiver stores it once.
    """
    body = json.dumps({"type": event_type, "data": dict(data)}, ensure_ascii=False).encode()
    headers = sign(body, event_id or f"demo_{uuid.uuid4().hex}", int(time.time()), secret)
    request = urllib.request.Request(  # noqa: S310 - distro's own configured base URL
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as refused:  # an answer, just not a 2xx: the caller decides to retry
        return int(refused.code)


def notice_sender(settings: Mapping) -> Callable[[str, str, Mapping[str, Any]], int]:
    """How the demo provider sends its payment notices: signed, to distro's own /webhooks/orders."""
    url = f"{str(settings['PUBLIC_BASE_URL']).rstrip('/')}/webhooks/orders"
    secret = settings["ORDER_WEBHOOK_SECRETS"][0]

    def send(event_id: str, event_type: str, data: Mapping[str, Any]) -> int:
        return send_signed_event(url, event_type, data, secret, event_id=event_id)

    return send
