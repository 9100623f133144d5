"""选品: browse and search the pool with the API's filters and sorts, each product with the price and what the owner
earns on it at their tier; pick it with a reason; and my picks: reorder, change the reason, remove, the cap shown.

Every change is the API's own service (distro.shops.services); htmx gets the changed fragment back, a browser
without JavaScript the page again.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.db import get_replica_session, get_session
from distro.errors import Conflict, ValidationFailed
from distro.owner.blueprint import bp
from distro.owner.forms import MOVE_FORM, PAGE_SIZE, PICK_FORM, POOL_FORM, REASON_FORM, SORTS, shop_refusals
from distro.owner.page_args import shop_in_address
from distro.owner.queries import pool_page, shop_picks, working_shop
from distro.pages import form_messages, page_messages, parse_form, parse_query, wants_fragment
from distro.promises.shown import badge_words
from distro.shops import picks, services
from distro.shops.rules import ShopPolicy
from distro.suppliers.rules import CATEGORIES
from distro.tiers.context import request_tiers


def _policy() -> ShopPolicy:
    return ShopPolicy.from_settings(current_app.config)


@bp.get("/my/pool")
@public
@login_required
def pool() -> tuple[str, int]:
    """选品: a page of the pool (htmx: only the results, or only the next page's cards)."""
    session = get_session()
    try:
        form = parse_query(POOL_FORM)
    except ValidationError as refused:
        shop = working_shop(session, current_user.user_id)
        return _pool_page(shop, None, request.args.to_dict(), form_messages(refused)), 422
    shop = working_shop(session, current_user.user_id, form["shop"])
    found = pool_page(
        get_replica_session(),  # the pool may trail the primary by the replica's lag, as the picks' marks may
        owner_id=current_user.user_id,
        shop=shop,
        pool_filter=form["filter"],
        tiers=request_tiers(),
        page=form["page"],
        page_size=PAGE_SIZE,
    )
    return _pool_page(shop, found, request.args.to_dict(), {}, page=form["page"]), 200


def _pool_page(shop, found, typed: dict, errors: dict, page: int = 1) -> str:
    def pool_url(**changes) -> str:
        """This page's address with some arguments changed (None leaves one out), from its first page."""
        args = {key: value for key, value in {**typed, **changes}.items() if value is not None and key != "page"}
        return url_for("owner.pool", **args)

    template = "owner/pool.html"
    if wants_fragment():
        template = "owner/_pool_cards.html" if page > 1 else "owner/_pool_results.html"
    return render_template(
        template,
        shop=shop,
        found=found,
        typed=typed,
        errors=errors,
        policy=_policy(),
        sorts=SORTS,
        categories=CATEGORIES,
        next_url=url_for("owner.pool", **{**typed, "page": page + 1}),
        pool_url=pool_url,
        here=request.full_path.rstrip("?"),
        badges=badge_words(get_replica_session(), {item["supplier_id"] for item in found.items}) if found else {},
    )


def _back_to_pool(target: str) -> str:
    # Only back to the pool's own page, the selection center or 正在热卖 (with their filters), never elsewhere.
    own = target.startswith(("/my/pool", "/my/selection", "/my/hot"))
    return target if own and "\\" not in target else url_for("owner.pool")


@bp.post("/my/picks")
@public
@login_required
def add_pick() -> BaseResponse | tuple[str, int]:
    """Pick a product into the shop with the owner's reason (last in order), as the API does."""
    try:
        form = parse_form(PICK_FORM)
        services.add_product(
            session=get_session(),
            owner_id=current_user.user_id,
            shop_id=form["shop_id"],
            product_id=form["product_id"],
            reason=form["reason"],
            policy=_policy(),
        )
    except ValidationError as refused:
        return _pick_refused(form_messages(refused))
    except ValidationFailed as refused:
        return _pick_refused(page_messages(refused, shop_refusals(_policy())))
    except Conflict:
        return _pick_refused({"product_id": [_("这件商品已在你的小铺里")]})
    if wants_fragment():
        return render_template("owner/_picked.html"), 200
    return redirect(_back_to_pool(form["next"]), 303)


def _pick_refused(errors: dict) -> tuple[str, int]:
    message = "；".join(str(text) for messages in errors.values() for text in messages)
    if wants_fragment():
        return render_template("owner/_picked.html", refused=message), 422
    return render_template("owner/refused.html", message=message, back=_back_to_pool(request.form.get("next", ""))), 422


@bp.get("/my/picks")
@public
@login_required
def my_picks() -> BaseResponse | str:
    """我的选品: the shop's products in the owner's order, each with its reason, and how many of the cap are used."""
    shop = working_shop(get_session(), current_user.user_id, shop_in_address())
    if shop is None:
        return redirect(url_for("owner.new_shop"), 303)
    return _picks_page(shop, {}, saved=request.args.get("saved", type=int))


def _picks_page(shop, errors: dict, status: int = 200, saved: int | None = None):
    listed = shop_picks(get_session(), owner_id=current_user.user_id, shop=shop, tiers=request_tiers())
    template = "owner/_picks_list.html" if wants_fragment() else "owner/picks.html"
    context = {"shop": shop, "picks": listed, "policy": _policy(), "errors": errors, "saved": saved}
    return render_template(template, **context), status


def _changed(shop_id: int, errors: dict | None = None, saved: int | None = None):
    """After a change to the picks: the list again for htmx (saying which reason was saved), the page for a browser
    (or the refusal, 422)."""
    if errors is None and not wants_fragment():
        return redirect(url_for("owner.my_picks", shop=shop_id, saved=saved), 303)
    shop = services.get_own_shop(get_session(), current_user.user_id, shop_id)
    return _picks_page(shop, errors or {}, 422 if errors else 200, saved)


@bp.post("/my/shop/<int:shop_id>/picks/<int:product_id>/reason")
@public
@login_required
def change_reason(shop_id: int, product_id: int):
    """Change a pick's recommendation reason."""
    try:
        form = parse_form(REASON_FORM)
        services.set_reason(
            session=get_session(),
            owner_id=current_user.user_id,
            shop_id=shop_id,
            product_id=product_id,
            reason=form["reason"],
            policy=_policy(),
        )
    except ValidationError as refused:
        return _changed(shop_id, {product_id: form_messages(refused)})
    except ValidationFailed as refused:
        return _changed(shop_id, {product_id: page_messages(refused, shop_refusals(_policy()))})
    return _changed(shop_id, saved=product_id)


@bp.post("/my/shop/<int:shop_id>/picks/<int:product_id>/move")
@public
@login_required
def move_pick(shop_id: int, product_id: int):
    """Move a pick one place up or down."""
    try:
        form = parse_form(MOVE_FORM)
    except ValidationError:
        return _changed(shop_id, {product_id: {"step": [_("只能上移或下移一位")]}})
    picks.move_product(
        session=get_session(), owner_id=current_user.user_id, shop_id=shop_id, product_id=product_id, step=form["step"]
    )
    return _changed(shop_id)


@bp.post("/my/shop/<int:shop_id>/picks/<int:product_id>/remove")
@public
@login_required
def remove_pick(shop_id: int, product_id: int):
    """Take a product out of the shop."""
    services.remove_product(
        session=get_session(), owner_id=current_user.user_id, shop_id=shop_id, product_id=product_id
    )
    return _changed(shop_id)
