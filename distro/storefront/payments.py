"""Payment providers behind one interface, chosen by PAYMENT_PROVIDER; only a clearly labelled demo ships.

The demo provider plays both parts of a real one: its page on distro asks the buyer to confirm, then a job
sends order.paid signed exactly as a real provider's notification would arrive, over HTTP, through
/webhooks/orders. It is refused outside development (distro.settings.validate_settings): anyone could mark an
order paid with it.

Adding a real provider (WeChat Pay JSAPI inside WeChat, WeChat Pay H5 in other phone browsers, Alipay WAP)
takes two parts:

1. ``payment_url(order_ref)``: create the payment with the provider for the checkout's total (WeChat Pay's
   JSAPI or H5 order, Alipay's ``alipay.trade.wap.pay``), with the notify URL under PUBLIC_BASE_URL and the
   order reference as the merchant's order number, and return where the buyer goes to pay: the provider's
   cashier (the H5 ``h5_url``, the WAP page) or a page of distro's that calls WeixinJSBridge with the prepay id.
2. Its notify callback, a public route of distro's (e.g. ``POST /payments/<name>/notify``): verify the
   notification with the provider's key (WeChat Pay's platform certificate, then decrypt the resource;
   Alipay's RSA2 public key), check the amount against the checkout, mark the checkout paid once (a
   notification is resent until answered: a replay changes nothing), and turn it into a signed order.paid
   (``services.paid_event``, signed with ORDER_WEBHOOK_SECRETS as ``send_signed_event`` does) for
   /webhooks/orders; then answer what the provider expects (WeChat Pay: 200/204; Alipay: ``success``).
   Only order.paid carries commission, so nothing reaches the ledger that the provider did not confirm.

3. ``deposit_payment_url(reference)``: the same for a supplier's deposit (保证金): a payment of the deposit
   payment's amount with its reference as the merchant's order number, whose notify callback, verified as above,
   calls ``distro.deposits.services.confirm_payment`` (which posts the deposit once, whatever the replays).

Then name it in ``payment_provider()`` and set DISTRO_PAYMENT_PROVIDER to that name.
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
    """Where to send a buyer to pay for a checkout. A real provider also answers its notify callback with a
    signed order.paid (see this module's docstring)."""

    name: str
    """Stored on each checkout: the provider that was asked to take its payment."""

    def payment_url(self, access_token: str) -> str:
        """The page the buyer is redirected to, to pay for the checkout their order link opens."""
        ...

    def refund(self, order_ref: str, amount_fen: int, refund_ref: str) -> None:
        """Pay amount_fen back to the buyer of order_ref, to the way they paid. refund_ref is unique per refund and
        sent as the provider's refund number (WeChat Pay's out_refund_no, Alipay's out_request_no), so a retry
        is the same refund, never a second one. Raises on a refusal; returns once the provider accepted it."""
        ...

    def deposit_payment_url(self, reference: str) -> str:
        """The page a supplier is redirected to, to pay the deposit payment with this reference."""
        ...


class DemoPaymentProvider:
    """Demo: a confirm page on distro itself; nothing is charged."""

    name = "demo"

    def payment_url(self, access_token: str) -> str:
        """distro's own demo cashier page."""
        return f"/pay/demo/{access_token}"

    def refund(self, order_ref: str, amount_fen: int, refund_ref: str) -> None:
        """Demo: nothing was charged, so nothing is paid back; the refund is accepted as asked."""
        if amount_fen <= 0:
            raise ValueError("a refund must be of a positive amount")

    def deposit_payment_url(self, reference: str) -> str:
        """distro's own demo cashier for a deposit, in the supplier's console."""
        return f"/console/supplier/deposit/pay/demo/{reference}"


def payment_provider(settings: Mapping) -> PaymentProvider:
    """The provider named by PAYMENT_PROVIDER."""
    if settings["PAYMENT_PROVIDER"] == "demo":
        return DemoPaymentProvider()
    raise ConfigurationError(
        f"DISTRO_PAYMENT_PROVIDER={settings['PAYMENT_PROVIDER']!r} is not available: only 'demo' ships, for "
        "development; a real provider is added in distro/storefront/payments.py."
    )


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
