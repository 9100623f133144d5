"""What pages show of suppliers' promises: each supplier's badges in the request's language, in one query for a page
of products (the pool's cards, the selection center, landing pages, posters)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from distro.promises.services import badges_by_supplier
from distro.promises.words import badge_texts


def badge_words(session: Session, supplier_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each supplier's badges as words (48小时发货 · 超时赔付, 7天包换, 质检); one without promises is left out."""
    return {supplier_id: badge_texts(shown) for supplier_id, shown in badges_by_supplier(session, supplier_ids).items()}
