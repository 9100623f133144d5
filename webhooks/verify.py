"""Standard Webhooks signature checks (pure): the raw body and headers against several secrets.

Signatures are HMAC-SHA256 over "id.timestamp.body" (the maintained `standardwebhooks` package
does the crypto and the 5-minute timestamp tolerance). Several secrets may be valid at once so a
sender can rotate without downtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class HeaderItems(Protocol):
    """Request headers as verify_signature reads them: a plain dict or werkzeug's Headers."""

    def items(self) -> Iterable[tuple[str, str]]: ...


class SignatureRefused(Exception):
    """The request is not provably from the sender; the message says why (safe to return)."""


def verify_signature(body: bytes, headers: HeaderItems, secrets: Sequence[str]) -> str:
    """Return the webhook-id when body and headers carry a valid signature under any of secrets.

    Raises SignatureRefused for missing or garbled headers, a timestamp more than 5 minutes old
    or ahead, a body that is not UTF-8, or no matching signature.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in REQUIRED_HEADERS if not lowered.get(name)]
    if missing:
        raise SignatureRefused(f"missing header(s): {', '.join(missing)}")
    if not secrets:
        raise SignatureRefused("no webhook secret is configured")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SignatureRefused("the body is not UTF-8") from error
    reasons = set()
    for secret in secrets:
        try:
            _webhook(secret).verify(text, lowered, json_parse=False)
            return lowered["webhook-id"]
        except WebhookVerificationError as error:
            reasons.add(str(error))
        except (ValueError, TypeError) as error:  # a garbled signature or timestamp header
            reasons.add(f"malformed signature header ({type(error).__name__})")
    raise SignatureRefused("; ".join(sorted(reasons)))


@lru_cache(maxsize=16)
def _webhook(secret: str) -> Webhook:
    """The verifier for a secret, made once: making one decodes the secret (a sixth of a verification)."""
    return Webhook(secret)
