"""商品: a supplier's products, a page at a time (by status, by words of the title), created and edited with their
SKUs and uploaded pictures, listed and delisted; over the API's services (distro.suppliers.services)."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import newest_first
from distro.console.supplier_forms import (
    PRODUCT_STATUS_NAMES,
    NewProductForm,
    ProductFilterForm,
    ProductForm,
    SkuForm,
    product_refusals,
)
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.money import to_yuan
from distro.pages import form_messages, page_messages, parse_form, parse_query, wants_fragment
from distro.share.images import local_image_dir
from distro.suppliers import services
from distro.suppliers.models import Product, ProductSku
from distro.suppliers.pictures import PICTURES_PER_PRODUCT, store_pictures
from distro.suppliers.rules import CATEGORIES, MAY_READ, RateBounds, SupplierStatus

NEW_PRODUCT_FORM, PRODUCT_FORM, SKU_FORM, FILTER_FORM = NewProductForm(), ProductForm(), SkuForm(), ProductFilterForm()
SKU_FIELDS = ("name", "price_fen", "stock")

menu_item(
    Role.SUPPLIER,
    "console.supplier_products",
    _l("商品"),
    order=20,
    pages=("console.supplier_new_product", "console.supplier_edit_product"),
)


def _bounds() -> RateBounds:
    return RateBounds.from_settings(current_app.config)


def not_yet(title: str) -> tuple[str, int] | None:
    """The page (titled title) telling a supplier whose products are closed to it (not approved, or removed) where
    its application stands; None for one that may read them."""
    supplier = services.find_supplier_of(get_session(), current_user_id())
    if supplier is not None and SupplierStatus(supplier.status) in MAY_READ:
        return None
    return render_template("console/supplier/products_closed.html", supplier=supplier, title=title), 403


def may_change() -> bool:
    """Whether the signed-in supplier may change its products now (approved; a suspended one only reads them)."""
    supplier = services.find_supplier_of(get_session(), current_user_id())
    return supplier is not None and supplier.status == SupplierStatus.APPROVED.value


@bp.get("/supplier/products")
@console_page(Role.SUPPLIER)
def supplier_products() -> tuple[str, int]:
    """商品: the supplier's products, newest first, a page at a time; by status and words of the title."""
    closed = not_yet(_("商品"))
    if closed:
        return closed
    try:
        args, errors = parse_query(FILTER_FORM), {}
    except ValidationError as refused:
        args, errors = {"status": None, "q": None, "after": None}, form_messages(refused)
    session = get_session()
    query = services.own_products_query(session, current_user_id(), status=args["status"], title_contains=args["q"])
    page = newest_first(session, query, Product.id, after=args["after"])
    filters = {name: args[name] for name in ("status", "q") if args[name]}
    return render_template(
        "console/supplier/products.html",
        page=page,
        may_change=may_change(),
        filters=filters,
        errors=errors,
        status_names=PRODUCT_STATUS_NAMES,
        categories=CATEGORIES,
    ), 200


@bp.post("/supplier/products/<int:product_id>/listing")
@console_page(Role.SUPPLIER)
def supplier_set_listing(product_id: int) -> BaseResponse | tuple[str, int]:
    """上架 or 下架 (the API's list and delist); htmx gets the product's row back, a plain form the list."""
    product = services.set_listed(
        session=get_session(),
        user_id=current_user_id(),
        product_id=product_id,
        listed=request.form.get("listed") == "1",
    )
    if wants_fragment():
        return render_template(
            "console/supplier/product_row.html",
            product=product,
            may_change=True,  # it has just changed one
            status_names=PRODUCT_STATUS_NAMES,
            categories=CATEGORIES,
        ), 200
    return redirect(url_for("console.supplier_products"), 303)


def _sku_rows() -> list[dict[str, str]]:
    """The SKU rows as typed, blank rows left out."""
    columns = [request.form.getlist(f"sku_{name}") for name in SKU_FIELDS]
    rows = [dict(zip(SKU_FIELDS, (value or "" for value in row), strict=True)) for row in zip_longest(*columns)]
    return [row for row in rows if any(value.strip() for value in row.values())]


def _load_skus(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    loaded, errors = [], {}
    for index, row in enumerate(rows):
        try:
            loaded.append(SKU_FORM.load(row))
        except ValidationError as refused:
            errors.update({f"skus.{index}.{name}": said for name, said in form_messages(refused).items()})
    return loaded, errors


def _form_page(
    product: Product | None, values: dict[str, Any], skus: list[dict[str, str]], errors: dict, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "console/supplier/product_form.html",
        product=product,
        may_change=may_change(),
        values=values,
        skus=skus or [{}],
        errors=errors,
        categories=CATEGORIES,
        status_names=PRODUCT_STATUS_NAMES,
        pictures_max=PICTURES_PER_PRODUCT,
    ), status


def _typed(skus_added: bool) -> tuple[dict[str, str], list[dict[str, str]]]:
    values = {name: value for name, value in request.form.items() if not name.startswith(("sku_", "csrf_token"))}
    rows = _sku_rows()
    return values, rows + ([{}] if skus_added else [])


@bp.get("/supplier/products/new")
@console_page(Role.SUPPLIER)
def supplier_new_product() -> tuple[str, int]:
    """发布商品: the form, with one SKU row and the platform's rate bounds."""
    return not_yet(_("发布商品")) or _form_page(None, {}, [], {})


@bp.post("/supplier/products/new")
@console_page(Role.SUPPLIER)
def supplier_create_product() -> BaseResponse | tuple[str, int]:
    """Create the product (distro.suppliers.services.create_product, as the API does) with its SKUs and pictures."""
    return _save(None)


@bp.get("/supplier/products/<int:product_id>")
@console_page(Role.SUPPLIER)
def supplier_edit_product(product_id: int) -> tuple[str, int]:
    """编辑商品: the product as it is, its SKUs and pictures (another supplier's product: 404)."""
    session = get_session()
    product = services.get_own_product(session, current_user_id(), product_id)
    values = {
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "price_fen": to_yuan(product.price_fen),
        "other_platform_price_fen": to_yuan(product.other_platform_price_fen),
        "stock": str(product.stock),
    }
    skus = [_sku_values(sku) for sku in services.skus_of(session, [product_id])[product_id]]
    return _form_page(product, values, skus, {})


def _sku_values(sku: ProductSku) -> dict[str, str]:
    return {"name": sku.name, "price_fen": to_yuan(sku.price_fen), "stock": str(sku.stock)}


@bp.post("/supplier/products/<int:product_id>")
@console_page(Role.SUPPLIER)
def supplier_update_product(product_id: int) -> BaseResponse | tuple[str, int]:
    """Save the product's changes (distro.suppliers.services.update_product, as the API does)."""
    return _save(product_id)


def _save(product_id: int | None) -> BaseResponse | tuple[str, int]:
    """Read the form, its SKU rows and pictures, and create or update the product; a refusal shows each field's
    message and saves nothing (an uploaded picture must be chosen again)."""
    session, user_id = get_session(), current_user_id()
    product = None if product_id is None else services.get_own_product(session, user_id, product_id)
    values, rows = _typed("add_sku" in request.form)
    if "add_sku" in request.form:  # a browser without JavaScript adds a SKU row by asking for the form again
        return _form_page(product, values, rows, {})
    errors: dict[str, list[str]] = {}
    try:
        form = parse_form(NEW_PRODUCT_FORM if product is None else PRODUCT_FORM)
    except ValidationError as refused:
        form, errors = {}, form_messages(refused)
    skus, sku_errors = _load_skus(rows)
    errors.update(sku_errors)
    if errors:
        return _form_page(product, values, rows, errors, 422)
    kept_now = product.image_urls if product is not None else []
    keep = set(request.form.getlist("keep_image"))
    uploads = [upload.read() for upload in request.files.getlist("pictures") if upload.filename]
    try:
        # The pictures are written before the product names them: a refusal after this leaves files no product
        # names (content-named, so a retry reuses them), never a product naming a file that is not there.
        form["image_urls"] = store_pictures(
            uploads, kept=[url for url in kept_now if url in keep], images_dir=local_image_dir(current_app.config)
        )
        if product is None:
            rate_bp = form.pop("commission_rate_bp")
            product = services.create_product(
                session=session, user_id=user_id, values=form, rate_bp=rate_bp, skus=skus, bounds=_bounds()
            )
        else:
            assert product_id is not None  # editing a stored product
            product = services.update_product(
                session=session, user_id=user_id, product_id=product_id, changes=form, skus=skus
            )
    except ValidationFailed as refused:
        return _form_page(product, values, rows, page_messages(refused, product_refusals(_bounds())), 422)
    return redirect(url_for("console.supplier_edit_product", product_id=product.id, saved=1), 303)
