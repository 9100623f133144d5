"""Admins suspend, reinstate and close shops, effective at once.

What a shop's status does elsewhere, all read live from the shop row: only an active shop's pages take
orders (a suspended or closed shop's pages and share links say so, distro.storefront); only an active
shop is attributed orders (distro.commission.attribution); settlement pays no shop whose payouts are
frozen (distro.settlement). The rules of each action are distro.shops.rules.standing_after.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.errors import Conflict, Forbidden, NotFound
from distro.shops.models import Shop
from distro.shops.rules import ShopAction, ShopStanding, ShopTransitionRefused, standing_after


def decide(
    *, session: Session, shop_id: int, action: ShopAction, reason: str, admin_id: int, pay_earned: bool = False
) -> Shop:
    """Suspend, reinstate or close a shop, audited with the reason; commit.

    Doing it again changes nothing (the first reason stands). Refused for a shop of the admin's own
    account, and for an action that does not apply (a closed shop stays closed).
    """
    shop = session.execute(sa.select(Shop).where(col(Shop.id) == shop_id).with_for_update()).scalar_one_or_none()
    if shop is None:
        raise NotFound(f"No shop {shop_id}.")
    if shop.owner_id == admin_id:
        raise Forbidden("An admin cannot decide on a shop of their own account.")
    before = ShopStanding(shop.status, shop.payouts_frozen)
    try:
        after = standing_after(before, action, pay_earned=pay_earned)
    except ShopTransitionRefused as error:
        raise Conflict(str(error)) from error
    if after == before:
        session.commit()
        return shop
    shop.status, shop.payouts_frozen = after.status, after.payouts_frozen
    shop.status_reason = None if action is ShopAction.REINSTATE else reason
    if action is ShopAction.REINSTATE:
        shop.reinstated_at = utcnow()
    audit.record(
        session,
        actor_id=admin_id,
        action=f"shop.{action.value}",
        subject_type="shop",
        subject_id=shop_id,
        before={"status": before.status, "payouts_frozen": before.payouts_frozen},
        after={"status": after.status, "payouts_frozen": after.payouts_frozen, "reason": reason},
    )
    session.commit()
    return shop
