"""Sign outbound webhooks per Standard Webhooks (pure), as the order system signs the ones we receive."""

from __future__ import annotations

import datetime as dt

from standardwebhooks.webhooks import Webhook


def sign(body: bytes, webhook_id: str, timestamp: int, secret: str) -> dict[str, str]:
    """The webhook-id, webhook-timestamp and webhook-signature headers for body under secret."""
    signature = Webhook(secret).sign(webhook_id, dt.datetime.fromtimestamp(timestamp, dt.UTC), body.decode("utf-8"))
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
