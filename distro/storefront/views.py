"""Landing pages for buyers (server-rendered, mobile-first, Chinese): shop, product, buy, demo payment."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response  # what redirect() returns; flask.Response is a subclass

from distro.api import refuse_unstorable_text
from distro.auth.access import public
from distro.db import get_session
from distro.errors import NotFound
from distro.money import format_cny, to_yuan
from distro.queue import get_queue
from distro.share.codes import read_referral
from distro.share.images import LOCAL_IMAGE_NAME, local_image_dir
from distro.share.redirect import REFERRAL_COOKIE
from distro.storefront import jobs, services
from distro.storefront.payments import payment_provider
from distro.storefront.rules import PHONE_PATTERN, mask_phone

log = logging.getLogger(__name__)

bp = Blueprint("storefront", __name__, template_folder="templates")


class BuyFormSchema(Schema):
    quantity = fields.Integer(
        required=True, validate=validate.Range(min=1, max=99), error_messages={"invalid": "请填写数量"}
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=40, error="请填写收货人姓名"))
    phone = fields.String(required=True, validate=validate.Regexp(PHONE_PATTERN, error="请填写11位手机号"))
    address = fields.String(required=True, validate=validate.Length(min=5, max=300, error="请填写详细收货地址"))


BUY_FORM = BuyFormSchema()


@bp.app_template_filter("yuan")
def yuan(fen: int) -> str:
    """Fen as 1234.56 in templates (machine-readable prices, e.g. Open Graph)."""
    return to_yuan(fen)


@bp.app_template_filter("cny")
def cny(fen: int) -> str:
    """Fen as ¥1,234.56 in templates."""
    return format_cny(fen)


@bp.app_errorhandler(NotFound)
def not_found(error: NotFound) -> Response | tuple:
    """Buyers get a page, API clients keep problem+json."""
    if request.path.startswith(("/shop/", "/pay/", "/orders/", "/s/")):
        return render_template("not_found.html", message=error.detail), 404
    from distro.errors import domain_error_response

    return domain_error_response(error)


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


@bp.get("/images/<name>")
@public
def image(name: str) -> Response:
    """A product image distro holds itself (the demo products' pictures)."""
    if not LOCAL_IMAGE_NAME.fullmatch(name):
        raise NotFound("No such image.")
    return send_from_directory(local_image_dir(current_app.config), name, max_age=86400)


@bp.get("/shop/<slug>")
@public
def shop(slug: str) -> str:
    """A shop's page: its products and the owner's reasons."""
    shop, rows = services.shop_page(get_session(), slug)
    return render_template("shop.html", shop=shop, rows=rows, base_url=_base_url())


@bp.get("/shop/<slug>/p/<int:product_id>")
@public
def product(slug: str, product_id: int) -> str:
    """A product page with the buy form."""
    page = services.product_page(get_session(), slug, product_id)
    return render_template("product.html", page=page, form={"quantity": 1}, errors={}, base_url=_base_url())


@bp.post("/shop/<slug>/p/<int:product_id>/buy")
@public
def buy(slug: str, product_id: int) -> Response | tuple:
    """Place an order (awaiting payment, attributed to the share link that brought the buyer) and go pay."""
    session = get_session()
    try:
        form = request.form.to_dict()
        refuse_unstorable_text(form, "请勿输入特殊字符")
        form = BUY_FORM.load(form)
    except ValidationError as error:
        page = services.product_page(session, slug, product_id)
        return render_template(
            "product.html", page=page, form=request.form, errors=error.messages, base_url=_base_url()
        ), 422
    window = dt.timedelta(days=int(current_app.config["SHARE_BINDING_DAYS"]))
    share_code = read_referral(request.cookies.get(REFERRAL_COOKIE), current_app.config["SECRET_KEY"], window)
    provider = payment_provider(current_app.config)
    checkout = services.place_order(
        session=session,
        slug=slug,
        product_id=product_id,
        share_code=share_code,
        provider_name=provider.name,
        secret=services.settings_secret(current_app.config),
        **form,
    )
    return redirect(provider.payment_url(checkout.order_ref), 303)


def _to_page(endpoint: str, status: int, **values: Any) -> Response:
    """Redirect to a buyer page, keeping the query string (WeChat appends ?from=... to links it passes on)."""
    target = url_for(endpoint, **values)
    query = request.query_string.decode("utf-8", "replace")
    return redirect(f"{target}?{query}" if query else target, status)


# A buyer who types a trailing slash, or whose chat app adds one, gets the page, not a problem+json 404.
@bp.get("/shop/<slug>/")
@public
def shop_with_slash(slug: str) -> Response:
    """The shop page's address with a trailing slash: the page without it."""
    return _to_page("storefront.shop", 301, slug=slug)


@bp.get("/shop/<slug>/p/<int:product_id>/")
@public
def product_with_slash(slug: str, product_id: int) -> Response:
    """The product page's address with a trailing slash: the page without it."""
    return _to_page("storefront.product", 301, slug=slug, product_id=product_id)


@bp.get("/shop/<slug>/p/<int:product_id>/buy")
@bp.get("/shop/<slug>/p/<int:product_id>/buy/")
@public
def buy_reopened(slug: str, product_id: int) -> Response:
    """The buy form's address opened again (the back button, a reload, a copied link): the product page."""
    return _to_page("storefront.product", 303, slug=slug, product_id=product_id)


@bp.get("/pay/demo/<order_ref>")
@public
def demo_cashier(order_ref: str) -> str:
    """The demo provider's cashier page (clearly labelled: no money moves)."""
    checkout = services.get_checkout(get_session(), order_ref)
    return render_template("pay_demo.html", checkout=checkout, phone=mask_phone(checkout.buyer_phone))


@bp.post("/pay/demo/<order_ref>/confirm")
@public
def demo_confirm(order_ref: str) -> Response:
    """The buyer confirms the demo payment; the provider then sends order.paid to /webhooks/orders."""
    checkout, newly_paid = services.confirm_demo_payment(session=get_session(), order_ref=order_ref)
    if newly_paid:
        from rq import Retry

        get_queue("default").enqueue(
            jobs.send_paid_event, checkout.order_ref, retry=Retry(max=5, interval=[5, 30, 120, 600, 1800])
        )
    return redirect(url_for("storefront.order_status", order_ref=order_ref), 303)


@bp.get("/orders/<order_ref>")
@public
def order_status(order_ref: str) -> str:
    """The buyer's order page."""
    checkout = services.get_checkout(get_session(), order_ref)
    return render_template("order.html", checkout=checkout, phone=mask_phone(checkout.buyer_phone))
