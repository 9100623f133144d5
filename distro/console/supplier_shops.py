"""分销店铺 (the supplier's distributors): each shop carrying its goods (or stopped by it) with what it sold of them
over the last 30 days (orders, units, sales and commission; distro/console/supplier_shops_queries.py), a page at a
time; and stopping a shop from carrying them with a reason (停止合作), or resuming, through distro.suppliers.
distributors. A supplier acts only on shops carrying its own goods: any other shop id is a 404."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs
from distro.console.supplier_shops_queries import SALES_DAYS, carrying_shops
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.pages import page_messages, query_or_defaults
from distro.suppliers import distributors
from distro.suppliers.services import require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_shops", _l("分销店铺"), order=50)

SHOP_STATUS = {
    "pending_approval": _l("待审核"),
    "active": _l("营业中"),
    "suspended": _l("已暂停"),
    "closed": _l("已关闭"),
}
"""A shop's status (distro.shops.models.Shop.status) in the page's words."""
REFUSALS = {"reason.length": _l("请填写 2 到 200 字的停止合作原因")}
"""The page's words for what distributors.stop_shop refuses."""


def _page(errors: dict | None = None, failed_shop: int | None = None, code: int = 200) -> tuple[str, int]:
    args, refused = query_or_defaults(PageArgs())
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    page = carrying_shops(session, supplier.id, after=args["after"])  # type: ignore[arg-type]
    return render_template(
        "console/supplier/shops.html",
        page=page,
        statuses=SHOP_STATUS,
        days=SALES_DAYS,
        errors=errors or {},
        failed_shop=failed_shop,
        typed=request.form.get("reason", ""),
        refused=refused,
    ), 422 if refused else code


@bp.get("/supplier/shops", endpoint="supplier_shops")
@console_page(Role.SUPPLIER)
def shops() -> tuple[str, int]:
    """分销店铺: the shops carrying the supplier's products with their last 30 days' sales, a page at a time."""
    return _page()


@bp.post("/supplier/shops/<int:shop_id>/stop")
@console_page(Role.SUPPLIER)
def supplier_stop_shop(shop_id: int) -> Response | tuple[str, int]:
    """停止合作: the shop's picks of the supplier's goods leave it, and it cannot pick them again; the owner is told."""
    try:
        distributors.stop_shop(
            session=get_session(), user_id=current_user_id(), shop_id=shop_id, reason=request.form.get("reason", "")
        )
    except ValidationFailed as refused:
        get_session().rollback()
        return _page(page_messages(refused, REFUSALS), failed_shop=shop_id, code=422)
    return redirect(url_for("console.supplier_shops"), 303)


@bp.post("/supplier/shops/<int:shop_id>/resume")
@console_page(Role.SUPPLIER)
def supplier_resume_shop(shop_id: int) -> Response:
    """恢复合作: the shop may carry the supplier's goods again, and gets back the picks the stop took out."""
    distributors.resume_shop(
        session=get_session(),
        user_id=current_user_id(),
        shop_id=shop_id,
        max_products=int(current_app.config["SHOP_MAX_PRODUCTS"]),
    )
    return redirect(url_for("console.supplier_shops"), 303)
