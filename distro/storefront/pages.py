"""Landing pages for buyers (server-rendered, mobile-first, Chinese): shop, product, buy, demo payment."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import psycopg
import redis
import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response  # what redirect() returns; flask.Response is a subclass

from distro import page_errors
from distro.auth.access import public
from distro.clock import BUSINESS_TZ
from distro.commission.policy import CommissionPolicy
from distro.db import get_session
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.money import format_cny, to_yuan
from distro.pages import field_messages, parse_form
from distro.promises.services import order_compensations
from distro.promises.shown import badge_words
from distro.promises.words import BREACH_KINDS
from distro.queue import get_queue
from distro.share.codes import read_referral
from distro.share.images import local_image_dir
from distro.share.redirect import REFERRAL_COOKIE
from distro.shops.models import Shop
from distro.shops.services import ShopNotOpen
from distro.storefront import events, fulfilment, jobs, services
from distro.storefront.payments import DemoPaymentProvider, payment_provider
from distro.storefront.rules import mask_phone, stock_note
from distro.storefront.schemas import AfterSalesFormSchema, BuyFormSchema, CancelFormSchema
from distro.urls import LOCAL_IMAGE_NAME, absolute_url

log = logging.getLogger(__name__)

bp = Blueprint("storefront", __name__, template_folder="templates")
BUYER_PATHS = ("/shop/", "/pay/", "/orders/", "/s/")


BUY_FORM = BuyFormSchema()
AFTER_SALES_FORM = AfterSalesFormSchema()
CANCEL_FORM = CancelFormSchema()


@bp.app_template_filter("yuan")
def yuan(fen: int) -> str:
    """Fen as 1234.56 in templates (machine-readable prices, e.g. Open Graph)."""
    return to_yuan(fen)


@bp.app_template_filter("shanghai")
def shanghai(instant: dt.datetime) -> str:
    """An instant as buyers read it: Beijing time to the minute."""
    return instant.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


bp.add_app_template_filter(stock_note, "stock_note")


@bp.app_template_filter("cny")
def cny(fen: int) -> str:
    """Fen as ¥1,234.56 in templates."""
    return format_cny(fen)


@bp.app_errorhandler(NotFound)
def not_found(error: NotFound) -> Response | tuple:
    """Buyers get a page, and so does a browser elsewhere outside the API; API clients keep problem+json."""
    if request.path.startswith(BUYER_PATHS):
        return render_template("not_found.html", message=error.detail), 404
    if page_errors.wants_page():
        return page_errors.not_found_page(), 404
    from distro.errors import domain_error_response

    return domain_error_response(error)


@bp.app_errorhandler(services.ProductOffSale)
def product_off_sale(error: services.ProductOffSale) -> Response | tuple:
    """An old link to a product its shop no longer sells names the product and leads to the shop's other products."""
    if request.path.startswith(BUYER_PATHS):
        return render_template("product_off_sale.html", shop=error.shop, product_title=error.product_title), 404
    from distro.errors import domain_error_response

    return domain_error_response(error)


@bp.app_errorhandler(ShopNotOpen)
def shop_not_open(error: ShopNotOpen) -> Response | tuple:
    """A suspended or closed shop's pages (and its share links, which lead to them) say so, in Chinese."""
    if request.path.startswith(BUYER_PATHS):
        return render_template("shop_closed.html", shop=error.shop, closed=error.status == 410), error.status
    from distro.errors import domain_error_response

    return domain_error_response(error)


@bp.app_errorhandler(sa.exc.OperationalError)
@bp.app_errorhandler(sa.exc.InterfaceError)
@bp.app_errorhandler(psycopg.OperationalError)  # raised as it is by the webhook's driver connection
def database_unavailable(error: Exception) -> Response | tuple:
    """The database is out of reach: a moment later it may not be. Buyers get a page, API clients a 503."""
    log.warning("database unavailable for %s: %s", request.path, error)
    if request.path.startswith(BUYER_PATHS):
        return render_template("unavailable.html"), 503, {"Retry-After": "10"}
    from distro.errors import problem_response

    return problem_response(
        503,
        "Service unavailable",
        "The database is out of reach; try again shortly.",
        slug="unavailable",
        headers={"Retry-After": "10"},
    )


@bp.app_template_filter("absolute_url")
def absolute(url: str) -> str:
    """A stored URL as a browser or WeChat's link preview needs it: distro's own files under PUBLIC_BASE_URL."""
    return absolute_url(_base_url(), url)


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
    session = get_session()
    page = services.product_page(session, slug, product_id)
    return render_template(
        "product.html", page=page, form={"quantity": 1}, errors={}, base_url=_base_url(), badges=_badges(session, page)
    )


def _badges(session, page) -> list[str]:
    """The badges the product's supplier's promises earn (distro.promises.shown, as every page shows them)."""
    return badge_words(session, [page.product.supplier_id]).get(page.product.supplier_id, [])


@bp.post("/shop/<slug>/p/<int:product_id>/buy")
@public
def buy(slug: str, product_id: int) -> Response | tuple:
    """Place an order (awaiting payment, on this shop's page) and go pay."""
    session = get_session()

    def again(errors: dict) -> tuple:
        page = services.product_page(session, slug, product_id)
        badges = _badges(session, page)
        return render_template(
            "product.html", page=page, form=request.form, errors=errors, base_url=_base_url(), badges=badges
        ), 422

    try:
        form = parse_form(BUY_FORM)
    except ValidationError as error:
        return again(error.normalized_messages())
    window = dt.timedelta(days=int(current_app.config["SHARE_BINDING_DAYS"]))
    share_code = read_referral(request.cookies.get(REFERRAL_COOKIE), current_app.config["SECRET_KEY"], window)
    provider = payment_provider(current_app.config)
    try:
        checkout = services.place_order(
            session=session,
            slug=slug,
            product_id=product_id,
            share_code=share_code,
            provider_name=provider.name,
            secret=services.settings_secret(current_app.config),
            buyer_user_id=current_user.user_id if current_user.is_authenticated else None,
            **form,
        )
    except ValidationFailed as refused:
        return again(field_messages(refused))
    return redirect(provider.payment_url(checkout.access_token), 303)


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


def _refuse_unless_demo_payments() -> None:
    # Demo checkouts left from before a real provider was configured must not be paid by a click.
    if current_app.config["PAYMENT_PROVIDER"] != DemoPaymentProvider.name:
        raise NotFound("The demo cashier is closed.")


@bp.get("/pay/demo/<token>")
@public
def demo_cashier(token: str) -> str | Response:
    """The demo provider's cashier page (clearly labelled: no money moves)."""
    _refuse_unless_demo_payments()
    checkout = services.buyer_checkout(get_session(), token)
    if checkout.paid_at is not None or checkout.status != "awaiting_payment":
        return redirect(url_for("storefront.order_status", token=token), 303)
    return render_template("pay_demo.html", checkout=checkout, phone=mask_phone(checkout.buyer_phone), error=None)


@bp.post("/pay/demo/<token>/confirm")
@public
def demo_confirm(token: str) -> Response | tuple:
    """The buyer confirms the demo payment; the provider's order.paid notice then goes to /webhooks/orders."""
    _refuse_unless_demo_payments()
    session = get_session()
    try:
        checkout, newly_paid = services.confirm_payment(session=session, access_token=token, provider="demo")
    except (ValidationFailed, Conflict) as refused:
        checkout = services.buyer_checkout(session, token)
        return render_template(
            "pay_demo.html", checkout=checkout, phone=mask_phone(checkout.buyer_phone), error=refused.detail
        ), 409
    if newly_paid:
        _enqueue(jobs.send_payment_notice, checkout.order_ref, job_id=f"payment-notice-{checkout.order_ref}")
    return redirect(url_for("storefront.order_status", token=token), 303)


def _enqueue(func, *args, job_id: str) -> None:
    """Start a job now if Redis answers; when it does not, the job's sweep does the work a little later."""
    try:
        get_queue("default").enqueue(func, *args, job_id=job_id)
    except redis.exceptions.RedisError as error:
        log.warning("could not enqueue %s (%s); its sweep will do it", job_id, error)


def _order_page(token: str, *, errors: dict | None = None, status: int = 200) -> tuple:
    session = get_session()
    checkout = services.buyer_checkout(session, token)
    view = fulfilment.buyer_view(session, checkout, CommissionPolicy.from_settings(current_app.config))
    page = render_template(
        "order.html",
        checkout=checkout,
        view=view,
        phone=mask_phone(checkout.buyer_phone),
        shop=session.get_one(Shop, checkout.shop_id),
        compensations=order_compensations(session, checkout.order_ref),
        breach_kinds=BREACH_KINDS,
        errors=errors or {},
        form=request.form if errors else {},
    )
    return page, status


@bp.get("/orders/<token>")
@public
def order_status(token: str) -> tuple:
    """The buyer's order page: what was bought, where it is, and what the buyer can do next."""
    return _order_page(token)


@bp.post("/orders/<token>/receipt")
@public
def confirm_receipt(token: str) -> Response | tuple:
    """The buyer confirms receipt (确认收货)."""
    try:
        fulfilment.confirm_receipt(session=get_session(), access_token=token)
    except Conflict as refused:
        return _order_page(token, errors={"receipt": [refused.detail]}, status=409)
    events.ask_for_processing(current_app.config)
    return redirect(url_for("storefront.order_status", token=token), 303)


@bp.post("/orders/<token>/cancel")
@public
def cancel(token: str) -> Response | tuple:
    """The buyer cancels an order that has not shipped."""
    try:
        form = parse_form(CANCEL_FORM)
        fulfilment.cancel_by_buyer(session=get_session(), access_token=token, reason=form["reason"])
    except ValidationError as error:
        return _order_page(token, errors=error.normalized_messages(), status=422)
    except Conflict as refused:
        return _order_page(token, errors={"cancel": [refused.detail]}, status=409)
    events.ask_for_processing(current_app.config)
    return redirect(url_for("storefront.order_status", token=token), 303)


@bp.post("/orders/<token>/after-sales")
@public
def after_sales(token: str) -> Response | tuple:
    """The buyer asks for a refund or a return, with a reason; the supplier decides."""
    try:
        form = parse_form(AFTER_SALES_FORM)
        fulfilment.request_after_sales(
            session=get_session(), access_token=token, policy=CommissionPolicy.from_settings(current_app.config), **form
        )
    except ValidationError as error:
        return _order_page(token, errors=error.normalized_messages(), status=422)
    except ValidationFailed as refused:
        return _order_page(token, errors=field_messages(refused), status=422)
    # Straight to the request just made, so the buyer sees it went through (等待供应商处理).
    return redirect(url_for("storefront.order_status", token=token, _anchor="after-sales-history"), 303)
