"""正在热卖: what is on sale now in the running campaigns, with the sale price, what the owner earns at the boosted
rate, the countdown to the end, and one tap to share it (the 推广 kit, whose poster and copy carry the campaign)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from distro import clock
from distro.auth.access import public
from distro.campaigns.hot import hot_items
from distro.db import get_session
from distro.owner.blueprint import bp
from distro.owner.queries import working_shop
from distro.shops.services import owner_tier
from distro.tiers.context import request_tiers


@bp.get("/my/hot")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def hot() -> str:
    """正在热卖: the running campaigns' products, the soonest-ending first."""
    session = get_session()
    shop = working_shop(session, current_user.user_id)
    tier = owner_tier(session, current_user.user_id, shop.id if shop else None, request_tiers())
    return render_template(
        "owner/hot/index.html", shop=shop, items=hot_items(session, shop=shop, tier=tier, now=clock.utcnow())
    )
