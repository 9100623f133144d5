"""The console's home: the sections of the roles the signed-in account holds, each with its menu."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from distro.auth.access import public
from distro.console.blueprint import bp, sections_for
from distro.errors import Forbidden


@bp.get("")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def home() -> str:
    """控制台首页: a card per section the account's roles open; 403 for an account with none of them."""
    sections = sections_for(current_user.account.roles)
    if not sections:
        raise Forbidden("No console role.")
    return render_template("console/home.html", sections=sections)
