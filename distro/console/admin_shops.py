"""平台管理 › 店铺: every shop, by status and a search; approve one waiting, suspend, reinstate or close one with a
reason (distro.shops.services.approve_shop and distro.shops.moderation.decide, as the API does)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role, User
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import (
    CONFLICT,
    OWN_ACCOUNT,
    SEARCH_FORM,
    SHOP_STATUSES,
    ReasonForm,
    as_id,
)
from distro.console.blueprint import bp, menu_item
from distro.console.lists import newest_first
from distro.db import get_session
from distro.errors import Conflict, Forbidden, NotFound
from distro.pages import Checkbox, form_messages, parse_form, parse_query
from distro.shops import moderation, services
from distro.shops.models import Shop
from distro.shops.rules import ShopAction

menu_item(Role.ADMIN, "console.admin_shops", _l("店铺"), order=30, pages=("console.admin_shop",))

DONE = {
    "approve": _l("已通过开店审核，店铺开始营业。"),
    "suspend": _l("已暂停该店铺：店铺页和分享链接暂停接单，佣金暂不结算。"),
    "reinstate": _l("已恢复营业。"),
    "close": _l("已关闭该店铺。"),
}


class CloseForm(ReasonForm):
    """Closing a shop: the reason, and whether it is paid what it earned (closed at its owner's request)."""

    pay_earned = Checkbox()


def _search_query(status: str | None, text: str | None) -> sa.Select:
    """The API's list of shops of a status, searched by name, slug or id."""
    query = services.shops_query(status).order_by(None)
    if text:
        matches = sa.or_(
            col(Shop.name).icontains(text, autoescape=True), col(Shop.slug).icontains(text.lower(), autoescape=True)
        )
        query = query.where(sa.or_(matches, col(Shop.id) == as_id(text)) if as_id(text) else matches)
    return query


@bp.get("/admin/shops")
@console_page(Role.ADMIN)
def admin_shops() -> tuple[str, int]:
    """店铺: every shop, newest first, by status and by a search of its name, address (slug) or id."""
    try:
        args = parse_query(SEARCH_FORM)
        if args["status"] is not None and args["status"] not in SHOP_STATUSES:
            raise ValidationError(str(_l("请选择状态")), "status")
    except ValidationError as refused:
        return render_template("console/admin/shops.html", page=None, args={}, errors=form_messages(refused)), 422
    query = _search_query(args["status"], args["q"].strip() if args["q"] else None)
    page = newest_first(get_session(), query, col(Shop.id), after=args["after"])
    return render_template("console/admin/shops.html", page=page, args=args, errors={}), 200


def _shop_page(shop_id: int, errors: dict, status: int = 200, refusal=None) -> tuple[str, int]:
    shop = get_session().get(Shop, shop_id)
    if shop is None:
        raise NotFound(f"No shop {shop_id}.")
    owner = get_session().get_one(User, shop.owner_id)
    return render_template(
        "console/admin/shop.html",
        shop=shop,
        owner=owner,
        errors=errors,
        refusal=refusal,
        done=DONE.get(request.args.get("done", "")),
    ), status


@bp.get("/admin/shops/<int:shop_id>")
@console_page(Role.ADMIN)
def admin_shop(shop_id: int) -> tuple[str, int]:
    """A shop's page: its owner, its standing, and the decisions open to it."""
    return _shop_page(shop_id, {})


@bp.post("/admin/shops/<int:shop_id>/approve")
@console_page(Role.ADMIN)
def admin_approve_shop(shop_id: int) -> BaseResponse | tuple[str, int]:
    """Open a shop that waits for approval."""
    try:
        services.approve_shop(session=get_session(), shop_id=shop_id, admin_id=current_user_id())
    except Conflict:
        return _shop_page(shop_id, {}, 409, CONFLICT)
    return redirect(url_for("console.admin_shop", shop_id=shop_id, done="approve"), 303)


@bp.post("/admin/shops/<int:shop_id>/<action>")
@console_page(Role.ADMIN)
def admin_decide_shop(shop_id: int, action: str) -> BaseResponse | tuple[str, int]:
    """Suspend, reinstate or close the shop with a reason; closing may pay what it earned."""
    if action not in {member.value for member in ShopAction}:
        raise NotFound(f"No decision {action}.")
    try:
        form = parse_form(CloseForm() if action == ShopAction.CLOSE.value else ReasonForm())
        moderation.decide(
            session=get_session(),
            shop_id=shop_id,
            action=ShopAction(action),
            reason=form["reason"],
            admin_id=current_user_id(),
            pay_earned=form.get("pay_earned", False),
        )
    except ValidationError as refused:
        return _shop_page(shop_id, {action: form_messages(refused)}, 422)
    except Conflict:
        return _shop_page(shop_id, {}, 409, CONFLICT)
    except Forbidden:
        return _shop_page(shop_id, {}, 403, OWN_ACCOUNT)
    return redirect(url_for("console.admin_shop", shop_id=shop_id, done=action), 303)
