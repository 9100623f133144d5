"""Deliver due outbound webhooks (retries follow the back-off written on each delivery)."""

from __future__ import annotations

from distro.db import session_scope
from distro.outbound import services
from distro.settings import current_settings


def deliver_due_webhooks() -> dict[str, int]:
    """Try every delivery that is due; counts by outcome."""
    settings = current_settings()
    with session_scope() as session:
        return services.deliver_due(
            session=session,
            sender=services.sender_from_settings(settings),
            max_attempts=int(settings["OUTBOUND_WEBHOOK_MAX_ATTEMPTS"]),
            timeout=float(settings["OUTBOUND_WEBHOOK_TIMEOUT_SECONDS"]),
            concurrency=int(settings["OUTBOUND_WEBHOOK_CONCURRENCY"]),
        )
