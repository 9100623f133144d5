"""佣金设置: each product's commission rate, set with a live preview of what it costs per sale and what an owner
of each tier earns (the API's commission-preview, the calculator accruals use), and the rate's history."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.console.supplier_forms import PRODUCT_STATUS_NAMES, RateForm, product_refusals
from distro.console.supplier_products import may_change, not_yet
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.money import format_rate
from distro.pages import form_messages, page_messages, parse_form, parse_query
from distro.suppliers import rates, services
from distro.suppliers.models import CommissionRate, Product
from distro.suppliers.rules import RateBounds
from distro.tiers.context import request_tiers

RATE_FORM, PAGE_ARGS = RateForm(), PageArgs()

menu_item(Role.SUPPLIER, "console.supplier_rates", _l("佣金设置"), order=30, pages=("console.supplier_rate",))


def _bounds() -> RateBounds:
    return RateBounds.from_settings(current_app.config)


def _percent(rate_bp: int) -> str:
    """A rate as typed in the form: 12.5 for 1250 bp."""
    return format_rate(rate_bp).rstrip("%")


@bp.get("/supplier/rates")
@console_page(Role.SUPPLIER)
def supplier_rates() -> tuple[str, int]:
    """佣金设置: the supplier's products with the rate each pays now, newest first, a page at a time."""
    closed = not_yet(_("佣金设置"))
    if closed:
        return closed
    try:
        after = parse_query(PAGE_ARGS)["after"]
    except ValidationError:
        after = None
    session = get_session()
    page = newest_first(session, services.own_products_query(session, current_user_id()), Product.id, after=after)
    return render_template(
        "console/supplier/rates.html", page=page, bounds=_bounds(), status_names=PRODUCT_STATUS_NAMES
    ), 200


def _preview(product_id: int, rate_bp: int) -> dict:
    """What rate_bp would cost and pay per sale of the product (distro.suppliers.rates.preview_rate, as the API's
    /supplier/commission-preview); ValidationFailed for a rate out of the platform's bounds."""
    return rates.preview_rate(
        session=get_session(),
        user_id=current_user_id(),
        rate_bp=rate_bp,
        price_fen=None,
        product_id=product_id,
        bounds=_bounds(),
        tiers=request_tiers(),
    )


def _rate_page(product: Product, typed: str, errors: dict, status: int = 200) -> tuple[str, int]:
    session = get_session()
    try:
        after = parse_query(PAGE_ARGS)["after"]
    except ValidationError:
        after = None
    assert product.id is not None  # a stored product
    history = newest_first(
        session, rates.rate_history_query(session, current_user_id(), product.id), CommissionRate.id, after=after
    )
    return render_template(
        "console/supplier/rate.html",
        product=product,
        may_change=may_change(),
        typed=typed,
        errors=errors,
        preview=None if errors else _preview(product.id, product.commission_rate_bp),
        history=history,
        bounds=_bounds(),
        saved=request.args.get("saved"),
    ), status


@bp.get("/supplier/products/<int:product_id>/rate")
@console_page(Role.SUPPLIER)
def supplier_rate(product_id: int) -> tuple[str, int]:
    """One product's rate: the form with the preview of the rate in force, and its history (another's: 404)."""
    product = services.get_own_product(get_session(), current_user_id(), product_id)
    return _rate_page(product, _percent(product.commission_rate_bp), {})


@bp.post("/supplier/products/<int:product_id>/rate/preview")
@console_page(Role.SUPPLIER)
def supplier_rate_preview(product_id: int) -> tuple[str, int]:
    """The preview for the rate typed so far (htmx, as the supplier types): per tier, or why it cannot be."""
    try:
        preview = _preview(product_id, parse_form(RATE_FORM)["rate_bp"])
    except ValidationError as refused:
        return render_template("console/supplier/rate_preview.html", errors=form_messages(refused)), 422
    except ValidationFailed as refused:
        errors = page_messages(refused, product_refusals(_bounds()))
        return render_template("console/supplier/rate_preview.html", errors=errors), 422
    return render_template("console/supplier/rate_preview.html", preview=preview, errors={}), 200


@bp.post("/supplier/products/<int:product_id>/rate")
@console_page(Role.SUPPLIER)
def supplier_set_rate(product_id: int) -> BaseResponse | tuple[str, int]:
    """Set the rate (distro.suppliers.rates.set_commission_rate, as the API does): orders paid from now on earn it."""
    session = get_session()
    product = services.get_own_product(session, current_user_id(), product_id)
    typed = request.form.get("rate_bp", "")
    try:
        rate_bp = parse_form(RATE_FORM)["rate_bp"]
        rates.set_commission_rate(
            session=session, user_id=current_user_id(), product_id=product_id, rate_bp=rate_bp, bounds=_bounds()
        )
    except ValidationError as refused:
        return _rate_page(product, typed, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _rate_page(product, typed, page_messages(refused, product_refusals(_bounds())), 422)
    return redirect(url_for("console.supplier_rate", product_id=product_id, saved=1), 303)
