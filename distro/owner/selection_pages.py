"""选品中心: the ranked lists and the admins' zones, per category, each product with its price, what the owner earns
at their tier, the numbers behind its rank, and 加入小铺 as in the pool; and the printable selection sheet of the
shop's products with a QR code to the owner's own link for each.

Every read and change is a service the API uses (distro.selection.services, distro.shops.services).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.db import get_replica_session, get_session
from distro.errors import NotFound, ValidationFailed
from distro.owner.blueprint import bp
from distro.owner.page_args import shop_in_address
from distro.owner.queries import shop_picks, working_shop
from distro.pages import form_messages, page_messages
from distro.promises.shown import badge_words
from distro.selection import services
from distro.selection.rules import LIST_SIZE, LISTS
from distro.selection.sheet import FORMATS, MAX_ITEMS, SheetItem, render_sheet
from distro.selection.words import LIST_LABELS
from distro.share.images import ImageUnavailable, image_source
from distro.share.schemas import share_url
from distro.shops.models import ShopProduct
from distro.shops.rules import ShopPolicy
from distro.shops.services import owner_tier, with_earnings
from distro.suppliers.rules import CATEGORIES
from distro.tiers.context import request_tiers


class SelectionFormSchema(Schema):
    """Which tab (a list or zone-<id>), which category, which of the owner's shops."""

    class Meta:
        unknown = EXCLUDE

    tab = fields.String(load_default="hot7", validate=validate.Length(max=30))
    category = fields.String(load_default="", validate=validate.OneOf(["", *CATEGORIES], error=_l("请选择类目")))
    shop = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=1, max=2**63 - 1))


class SheetFormSchema(Schema):
    """The products (of the shop) to print, and the file's format."""

    class Meta:
        unknown = EXCLUDE

    shop_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    product_id = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**63 - 1)),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS, error=_l("请选择 1 到 %(count)s 件商品", count=MAX_ITEMS)),
        error_messages={"required": _l("请至少选择一件商品")},
    )
    format = fields.String(load_default="png", validate=validate.OneOf(list(FORMATS), error=_l("请选择文件格式")))


SELECTION_FORM = SelectionFormSchema()
SHEET_FORM = SheetFormSchema()


def _picked(session, shop, ids) -> set[int]:
    if shop is None or not ids:
        return set()
    return set(
        session.execute(
            sa.select(col(ShopProduct.product_id)).where(
                col(ShopProduct.shop_id) == shop.id, col(ShopProduct.product_id).in_(ids)
            )
        ).scalars()
    )


@bp.get("/my/selection")
@public
@login_required
def selection() -> tuple[str, int]:
    """选品中心: a ranked list or a zone, overall or of one category."""
    session = get_session()
    errors: dict = {}
    try:
        form = SELECTION_FORM.load(request.args.to_dict())
    except ValidationError as refused:
        errors = form_messages(refused)
        form = {"tab": "hot7", "category": "", "shop": None}
    shop = working_shop(session, current_user.user_id, form["shop"])
    tier = owner_tier(session, current_user.user_id, shop.id if shop else None, request_tiers())
    replica = get_replica_session()  # the rankings and zones: the shop and what it picked stay on the primary
    zones = list(replica.execute(services.collections_query()).scalars())
    tab, zone = form["tab"], None
    if tab.startswith("zone-") and tab[5:].isdigit():
        zone = next((z for z in zones if z.id == int(tab[5:])), None)
        if zone is None:
            raise NotFound("No such zone.")
        products = list(replica.execute(services.collection_products_query(zone.id).limit(LIST_SIZE)).scalars())
        items = with_earnings(products, tier)
    else:
        if tab not in LISTS:
            tab, errors = "hot7", {**errors, "tab": [_l("没有这个榜单")]}
        query = services.ranking_query(services.current_run_id(replica), tab, form["category"])
        items = services.ranked_items(replica.execute(query.limit(LIST_SIZE)).mappings().all(), tier)
    picked = _picked(session, shop, [item["id"] for item in items])
    for item in items:
        item["picked"] = item["id"] in picked

    def tab_url(**changes) -> str:
        args = {"tab": tab, "category": form["category"] or None, "shop": form["shop"], **changes}
        return url_for("owner.selection", **{k: v for k, v in args.items() if v is not None})

    return render_template(
        "owner/selection/center.html",
        shop=shop,
        tier=tier,
        tab=tab,
        zone=zone,
        zones=zones,
        items=items,
        labels=LIST_LABELS,
        lists=LISTS,
        category=form["category"],
        categories=CATEGORIES,
        errors=errors,
        tab_url=tab_url,
        badges=badge_words(replica, {item["supplier_id"] for item in items}),
        policy=ShopPolicy.from_settings(current_app.config),
        here=request.full_path.rstrip("?"),
    ), 422 if errors else 200


@bp.get("/my/selection/sheet")
@public
@login_required
def sheet_form() -> tuple[str, int]:
    """选品单: choose up to MAX_ITEMS of the shop's products to print with their QR codes."""
    shop = working_shop(get_session(), current_user.user_id, shop_in_address())
    return _sheet_page(shop, {}), 200


def _sheet_page(shop, errors: dict, chosen: frozenset[int] = frozenset()) -> str:
    picks = shop_picks(get_session(), owner_id=current_user.user_id, shop=shop, tiers=request_tiers()) if shop else None
    return render_template(
        "owner/selection/sheet.html",
        shop=shop,
        picks=picks,
        errors=errors,
        chosen=chosen,
        max_items=MAX_ITEMS,
        formats=FORMATS,
    )


@bp.post("/my/selection/sheet")
@public
@login_required
def print_sheet() -> BaseResponse | tuple[str, int]:
    """The A4 selection sheet (PNG or PDF) of the chosen products, each QR code the owner's own link for it."""
    session = get_session()
    try:
        typed = request.form.to_dict()
        chosen = request.form.getlist("product_id")
        form = SHEET_FORM.load({**typed, "product_id": chosen} if chosen else typed)
    except ValidationError as refused:
        valid = refused.valid_data if isinstance(refused.valid_data, dict) else {}
        shop = working_shop(session, current_user.user_id, valid.get("shop_id"))  # an id that fits, or the first shop
        return _sheet_page(shop, form_messages(refused)), 422
    shop = working_shop(session, current_user.user_id, form["shop_id"])
    assert shop is not None and shop.id is not None  # named, so the owner's or NotFound
    ids = list(dict.fromkeys(form["product_id"]))
    try:
        codes = services.sheet_links(session=session, owner_id=current_user.user_id, shop_id=shop.id, product_ids=ids)
    except ValidationFailed as refused:
        errors = page_messages(refused, {"in_shop": _l("只能打印你小铺里的商品")})
        return _sheet_page(shop, errors, frozenset(ids)), 422
    products = {
        item["id"]: item
        for item in shop_picks(session, owner_id=current_user.user_id, shop=shop, tiers=request_tiers()).items
    }
    images = image_source(current_app.config)
    items = [
        SheetItem(
            title=products[pid]["title"],
            price_fen=products[pid]["price_fen"],
            url=share_url(codes[pid]),
            picture=_picture(images, products[pid]["image_urls"]),
        )
        for pid in ids
    ]
    file_format = form["format"]
    data = render_sheet(f"{shop.display_name} · 选品单", items, file_format)
    return Response(
        data,
        mimetype=FORMATS[file_format][1],
        headers={
            "Content-Disposition": f'inline; filename="selection-sheet.{file_format}"',
            "Cache-Control": "no-store",
        },
    )


def _picture(images, urls: list[str]) -> bytes | None:
    if not urls:
        return None
    try:
        return images.fetch(urls[0])
    except ImageUnavailable:
        return None  # the sheet draws a placeholder, as the poster does
