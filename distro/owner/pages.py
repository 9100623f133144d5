"""The shop owner's app (mobile, Chinese first): the five tabs 首页 / 选品 / 推广 / 收益 / 我的, the pages hanging
off them (等级, 数据 and 消息 under 我的, each also linked from 首页), the language choice and the web app manifest.

Pages are thin: parse the form with a schema, call one service, render. They answer a page for a browser and
only the fragment that changed for htmx (the HX-Request header), from the same template.
"""

from __future__ import annotations

from flask import Response, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.db import get_session
from distro.errors import NotFound
from distro.i18n import LANGUAGES, SESSION_KEY, page_lang
from distro.owner import manifest as app_manifest
from distro.owner.blueprint import bp
from distro.owner.notify_pages import me_page
from distro.shops.rules import SHOP_STATUS_FOR_OWNER
from distro.shops.services import own_shops_query


def _placeholder(title: str) -> str:
    # A tab another part of the app fills in; it exists so that the bar leads somewhere.
    return render_template("owner/coming.html", title=title)


@bp.get("/my")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def home() -> str:
    """首页: who is signed in and their shops, each with its page and, when stopped, why."""
    shops = get_session().execute(own_shops_query(current_user.user_id)).scalars().all()
    return render_template("owner/home.html", account=current_user.account, shops=shops, statuses=SHOP_STATUS_FOR_OWNER)


@bp.get("/my/me")
@public
@login_required
def me() -> tuple[str, int]:
    """我的: the account, the pages under it (等级, 数据, 消息), campaign notices, the language and signing out."""
    return me_page()


@bp.post("/my/lang")
@public
def choose_language() -> BaseResponse:
    """Keep the language the visitor chose in the page session (an unknown one is ignored) and go back."""
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen
    return redirect(url_for("owner.me") if current_user.is_authenticated else url_for("auth_pages.login"), 303)


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    """The web app manifest every owner page links: add the app to the home screen, opening at 首页."""
    body = app_manifest.manifest(
        start_url=url_for("owner.home"),
        icon_url=lambda size: url_for("owner.icon", size=size),
        name=str(_l("distro 店主")),
        short_name=str(_l("店主")),
        lang=page_lang(),
    )
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/my/icon-<int:size>.png")
@public
def icon(size: int) -> Response:
    """The app's icon at one of the manifest's sizes."""
    if size not in app_manifest.ICON_SIZES:
        raise NotFound(f"No icon of {size} pixels.")
    return _icon_response(size)


@bp.get("/")
@public
def root() -> BaseResponse:
    """The site's address typed on its own: the owner app (its sign-in for a visitor; a console account lands on the
    console from there). Buyers never come here: they follow a shop's or a product's link."""
    return redirect(url_for("owner.home"), 302)


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """The icon browsers ask for on their own, for every page (the app's, as PNG): else each page logs a 404."""
    return _icon_response(min(app_manifest.ICON_SIZES))


def _icon_response(size: int) -> Response:
    response = Response(app_manifest.icon_png(size), mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
