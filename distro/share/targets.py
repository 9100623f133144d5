"""Where a share code leads, and how long an answer about it may be trusted and kept (pure: no Redis, no database).

PostgreSQL holds the truth. Web processes keep its answers in memory and in Redis, so that the bursts after
every hourly promotion do not reach it, and so that links people keep following still resolve while it is
down:

- an answer is trusted for FRESH_SECONDS after PostgreSQL gave it, and then asked for again (a link
  leads to its shop's page whatever the shop's status: that page, not this cache, says a shop is closed);
- it is kept for KEEP_SECONDS after the link was last followed, and used past its freshness only while
  PostgreSQL does not answer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

FRESH_SECONDS = 60.0
"""How long an answer from PostgreSQL is used without asking it again."""
KEEP_SECONDS = 86_400
"""How long an answer is kept after the link was last followed, for an outage of PostgreSQL (a day)."""


@dataclass(frozen=True)
class LinkTarget:
    """Where a share code leads."""

    link_id: int
    shop_slug: str
    product_id: int | None

    @property
    def path(self) -> str:
        """The landing page's path."""
        base = f"/shop/{self.shop_slug}"
        return f"{base}/p/{self.product_id}" if self.product_id else base


@dataclass(frozen=True)
class Answer:
    """What PostgreSQL said a code leads to (None: nowhere, an unknown code), and when it
    said so (Unix seconds)."""

    target: LinkTarget | None
    read_at: float

    def fresh(self, now: float) -> bool:
        """True while the answer may be used without asking PostgreSQL again."""
        return now < self.read_at + FRESH_SECONDS


def newest(*answers: Answer | None) -> Answer | None:
    """The most recently read of the answers at hand, or None when there is none: what an outage falls back on."""
    present = [answer for answer in answers if answer is not None]
    return max(present, key=lambda answer: answer.read_at) if present else None


def encode(answer: Answer) -> bytes:
    """An answer that leads somewhere as kept in Redis."""
    if answer.target is None:
        raise ValueError("only answers that lead somewhere are kept in Redis")
    target = answer.target
    return json.dumps([target.link_id, target.shop_slug, target.product_id, answer.read_at]).encode()


def decode(raw: bytes | str) -> Answer | None:
    """An answer read back from Redis; None for anything else found there (no answer is better than a wrong one)."""
    try:
        link_id, shop_slug, product_id, read_at = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not (
        _is_int(link_id)
        and isinstance(shop_slug, str)
        and (product_id is None or _is_int(product_id))
        and isinstance(read_at, int | float)
        and not isinstance(read_at, bool)
        and math.isfinite(read_at)
    ):
        return None
    return Answer(LinkTarget(link_id, shop_slug, product_id), float(read_at))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
