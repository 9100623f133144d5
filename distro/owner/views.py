"""The shop owner's pages (mobile, Chinese), for a signed-in owner: the home page with their shops."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from distro.auth.access import public
from distro.db import get_session
from distro.shops.rules import SHOP_STATUS_FOR_OWNER
from distro.shops.services import own_shops_query

bp = Blueprint("owner", __name__, template_folder="templates")


@bp.get("/my")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def home() -> str:
    """The owner's home: who is signed in and their shops, each with its page and, when stopped, why."""
    shops = get_session().execute(own_shops_query(current_user.user_id)).scalars().all()
    return render_template("owner/home.html", account=current_user.account, shops=shops, statuses=SHOP_STATUS_FOR_OWNER)
