"""平台管理 › 商品: find a product by id or title, take it down with a reason or restore it
(distro.suppliers.takedown, as the API does)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import OWN_ACCOUNT, SEARCH_FORM, ReasonForm, as_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import newest_first
from distro.db import get_session
from distro.errors import Forbidden, NotFound
from distro.pages import form_messages, parse_form, parse_query
from distro.shops.models import ShopProduct
from distro.suppliers import takedown
from distro.suppliers.models import Product, Supplier
from distro.suppliers.rules import CATEGORIES

menu_item(Role.ADMIN, "console.admin_products", _l("商品"), order=50, pages=("console.admin_product",))

DONE = {
    "take-down": _l("已下架该商品：它已离开货源池和所有店铺。"),
    "restore": _l("已恢复该商品。"),
}


@bp.get("/admin/products")
@console_page(Role.ADMIN)
def admin_products() -> tuple[str, int]:
    """商品: find products by id or by words of the title (newest first); nothing is listed before a search."""
    try:
        args = parse_query(SEARCH_FORM)
    except ValidationError as refused:
        return render_template("console/admin/products.html", page=None, args={}, errors=form_messages(refused)), 422
    text = args["q"].strip() if args["q"] else ""
    if not text:
        return render_template("console/admin/products.html", page=None, args=args, errors={}), 200
    page = newest_first(get_session(), matching_products(text), col(Product.id), after=args["after"])
    return render_template("console/admin/products.html", page=page, args=args, errors={}), 200


def matching_products(text: str) -> sa.Select:
    """The products whose title holds text, or whose id text is (the admin's product searches); unordered."""
    matches = col(Product.title).icontains(text, autoescape=True)
    product_id = as_id(text)
    return sa.select(Product).where(sa.or_(matches, col(Product.id) == product_id) if product_id else matches)


def _product_page(product_id: int, errors: dict, status: int = 200, refusal=None) -> tuple[str, int]:
    session = get_session()
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"No product {product_id}.")
    shops = session.scalar(
        sa.select(sa.func.count()).select_from(ShopProduct).where(col(ShopProduct.product_id) == product_id)
    )
    return render_template(
        "console/admin/product.html",
        product=product,
        supplier=session.get_one(Supplier, product.supplier_id),
        category=CATEGORIES.get(product.category, product.category),
        shops=shops,
        errors=errors,
        refusal=refusal,
        done=DONE.get(request.args.get("done", "")),
    ), status


@bp.get("/admin/products/<int:product_id>")
@console_page(Role.ADMIN)
def admin_product(product_id: int) -> tuple[str, int]:
    """A product's page: where it stands (in the pool, taken down and why), how many shops carry it."""
    return _product_page(product_id, {})


@bp.post("/admin/products/<int:product_id>/<action>")
@console_page(Role.ADMIN)
def admin_product_decide(product_id: int, action: str) -> BaseResponse | tuple[str, int]:
    """Take the product down (out of the pool and every shop at once) or restore it, with a reason."""
    if action not in DONE:
        raise NotFound(f"No action {action}.")
    change = takedown.take_down if action == "take-down" else takedown.restore
    try:
        form = parse_form(ReasonForm())
        change(session=get_session(), product_id=product_id, reason=form["reason"], admin_id=current_user_id())
    except ValidationError as refused:
        return _product_page(product_id, form_messages(refused), 422)
    except Forbidden:
        return _product_page(product_id, {}, 403, OWN_ACCOUNT)
    return redirect(url_for("console.admin_product", product_id=product_id, done=action), 303)
