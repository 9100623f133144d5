"""Opening a shop and presenting it: the name's rules shown as the owner types (the rules the API applies,
distro.shops.rules), then the shop's logo, 简介, its own page's link and QR code."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.owner.blueprint import bp
from distro.owner.forms import SHOP_NAME_FORM, SHOP_PROFILE_FORM, shop_refusals
from distro.owner.page_args import shop_in_address
from distro.owner.queries import working_shop
from distro.pages import form_messages, page_messages, parse_form
from distro.share.images import local_image_dir
from distro.share.qr import qr_png
from distro.shops import profile, services
from distro.shops.credit import credit_score_provider
from distro.shops.rules import ShopPolicy, display_name, name_checks, normalise_name
from distro.urls import absolute_url


def _policy() -> ShopPolicy:
    return ShopPolicy.from_settings(current_app.config)


def _shop_url(slug: str) -> str:
    """The shop's own page, as buyers are given it."""
    return absolute_url(str(current_app.config["PUBLIC_BASE_URL"]), url_for("storefront.shop", slug=slug))


def _name_page(name: str, errors: dict, status: int = 200) -> tuple[str, int]:
    policy = _policy()
    typed = normalise_name(name)
    # The database is asked whether the name is free only once it keeps every other rule.
    keeps_rules = bool(typed) and all(check.ok for check in name_checks(typed, policy))
    taken = services.name_taken(get_session(), typed) if keeps_rules else None
    context = {
        "name": name,
        "checks": name_checks(typed, policy, taken=taken) if typed else [],
        "shown_as": display_name(typed, policy) if typed else "",
        "policy": policy,
        "errors": errors,
    }
    template = "owner/_name_checks.html" if request.endpoint == "owner.check_name" else "owner/shop_new.html"
    return render_template(template, **context), status


@bp.get("/my/shop/new")
@public
@login_required
def new_shop() -> tuple[str, int]:
    """开店: the name, each of its rules shown as it is typed."""
    return _name_page("", {})


@bp.post("/my/shop/check")
@public
@login_required
def check_name() -> tuple[str, int]:
    """The name's rules for the name typed so far (htmx, as the owner types): each kept or not, and the name
    buyers will see."""
    return _name_page(request.form.get("name", "")[:100], {})


@bp.post("/my/shop/new")
@public
@login_required
def open_shop() -> BaseResponse | tuple[str, int]:
    """Open the shop (distro.shops.services.open_shop, as the API does) and go on to present it."""
    try:
        form = parse_form(SHOP_NAME_FORM)
        shop = services.open_shop(
            session=get_session(),
            owner_id=current_user.user_id,
            name=form["name"],
            slug=None,
            policy=_policy(),
            credit=credit_score_provider(current_app.config),
        )
    except ValidationError as refused:
        return _name_page(request.form.get("name", ""), form_messages(refused), 422)
    except ValidationFailed as refused:
        return _name_page(request.form.get("name", ""), page_messages(refused, shop_refusals(_policy())), 422)
    return redirect(url_for("owner.shop", shop=shop.id, opened=1), 303)


@bp.get("/my/shop")
@public
@login_required
def shop() -> BaseResponse | str:
    """我的小铺: how buyers see it (logo, name, 简介), its own page's link and QR code; no shop yet: open one."""
    chosen = working_shop(get_session(), current_user.user_id, shop_in_address())
    if chosen is None:
        return redirect(url_for("owner.new_shop"), 303)
    return _shop_page(chosen, {})


def _shop_page(chosen, errors: dict, status: int = 200):
    return (
        render_template(
            "owner/shop.html",
            shop=chosen,
            shop_url=_shop_url(chosen.slug),
            opened=request.args.get("opened"),
            errors=errors,
        ),
        status,
    )


@bp.post("/my/shop/<int:shop_id>/profile")
@public
@login_required
def save_profile(shop_id: int) -> BaseResponse | tuple[str, int]:
    """Save the shop's 简介 and, when one is chosen, its logo."""
    upload = request.files.get("logo")
    try:
        form = parse_form(SHOP_PROFILE_FORM)
        profile.set_profile(
            session=get_session(),
            owner_id=current_user.user_id,
            shop_id=shop_id,
            intro=form["intro"],
            logo=profile.Logo(upload.read()) if upload is not None and upload.filename else None,
            images_dir=local_image_dir(current_app.config),
        )
    except ValidationError as refused:
        errors = form_messages(refused)
    except ValidationFailed as refused:
        errors = page_messages(refused, shop_refusals(_policy()))
    else:
        return redirect(url_for("owner.shop", shop=shop_id, saved=1), 303)
    chosen = working_shop(get_session(), current_user.user_id, shop_id)
    return _shop_page(chosen, errors, 422)


@bp.get("/my/shop/<int:shop_id>/qr.png")
@public
@login_required
def shop_qr(shop_id: int) -> Response:
    """The QR code of the shop's own page as PNG (WeChat saves a PNG on a long press): scanning it opens the shop."""
    chosen = services.get_own_shop(get_session(), current_user.user_id, shop_id)
    return Response(qr_png(_shop_url(chosen.slug), box_size=8), mimetype="image/png")
