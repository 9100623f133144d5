"""保证金 (the supplier's deposit): required, held (the ledger's supplier:N:deposit), short, why its goods are out
of the pool, its movements (each a posting), paying in at the payment provider's cashier (the demo cashier in
development), and asking for it back when leaving."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.deposit_forms import RETURN_REFUSALS, ReturnForm, window_days
from distro.console.finance_words import KINDS
from distro.console.lists import PageArgs, newest_first
from distro.db import get_session
from distro.deposits import returns, services
from distro.deposits.models import DepositPayment
from distro.errors import Conflict, NotFound
from distro.ledger.models import Entry
from distro.pages import form_messages, parse_form, parse_query
from distro.settlement.rail_payments import payout_rail
from distro.storefront.payments import DemoPaymentProvider, payment_provider

menu_item(
    Role.SUPPLIER, "console.supplier_deposit", _l("保证金"), order=55, pages=("console.supplier_deposit_cashier",)
)


def _page(*, errors: dict | None = None, form: dict | None = None, refusal: str | None = None, status: int = 200):
    session = get_session()
    try:
        args = parse_query(PageArgs())
    except ValidationError as error:
        raise NotFound("No such page.") from error
    supplier, standing = services.own_standing(session, current_user_id())
    assert supplier.id is not None
    movements = newest_first(session, services.movements_query(supplier.id), Entry.id, after=args["after"])
    page = render_template(
        "console/supplier/deposit.html",
        supplier=supplier,
        standing=standing,
        movements=movements,
        returns=returns.returns_of(session, supplier.id),
        kinds=KINDS,
        errors=errors or {},
        form=form or {},
        refusal=refusal,
    )
    return page, status


@bp.get("/supplier/deposit", endpoint="supplier_deposit")
@console_page(Role.SUPPLIER)
def deposit() -> tuple[str, int]:
    """保证金: what is required, held and short, why goods are out of the pool, and every movement."""
    return _page()


@bp.post("/supplier/deposit/pay", endpoint="supplier_deposit_pay")
@console_page(Role.SUPPLIER)
def pay() -> BaseResponse | tuple[str, int]:
    """缴纳保证金 / 补缴: start paying the shortfall and go to the payment provider's cashier."""
    provider = payment_provider(current_app.config)
    try:
        payment = services.start_payment(session=get_session(), user_id=current_user_id(), provider=provider.name)
    except Conflict:  # paid in full already (a form left open in another tab)
        return redirect(url_for("console.supplier_deposit"), 303)
    return redirect(provider.deposit_payment_url(payment.reference), 303)


def _demo_payment(reference: str) -> DepositPayment:
    # Payments left from before a real provider was configured must not be paid by a click.
    if current_app.config["PAYMENT_PROVIDER"] != DemoPaymentProvider.name:
        raise NotFound("The demo cashier is closed.")
    payment = services.own_payment(get_session(), current_user_id(), reference)
    if payment.provider != DemoPaymentProvider.name:
        raise NotFound("This payment is not the demo cashier's.")
    return payment


@bp.get("/supplier/deposit/pay/demo/<reference>", endpoint="supplier_deposit_cashier")
@console_page(Role.SUPPLIER)
def demo_cashier(reference: str) -> BaseResponse | str:
    """The demo provider's cashier for a deposit (clearly labelled: no money moves)."""
    payment = _demo_payment(reference)
    if payment.status == "paid":
        return redirect(url_for("console.supplier_deposit"), 303)
    return render_template("console/supplier/deposit_cashier.html", payment=payment)


@bp.post("/supplier/deposit/pay/demo/<reference>/confirm", endpoint="supplier_deposit_confirm")
@console_page(Role.SUPPLIER)
def demo_confirm(reference: str) -> BaseResponse:
    """The supplier confirms the demo payment: the provider's confirmation, posted once however often it comes."""
    payment = _demo_payment(reference)
    services.confirm_payment(session=get_session(), reference=payment.reference, provider=payment.provider)
    return redirect(url_for("console.supplier_deposit"), 303)


@bp.post("/supplier/deposit/return", endpoint="supplier_deposit_return")
@console_page(Role.SUPPLIER)
def ask_return() -> BaseResponse | tuple[str, int]:
    """申请退还保证金: the whole deposit back through the payout rail, only with nothing outstanding."""
    try:
        form = parse_form(ReturnForm())
    except ValidationError as refused:
        return _page(errors=form_messages(refused), form=request.form.to_dict(), status=422)
    try:
        returns.return_deposit(
            session=get_session(),
            user_id=current_user_id(),
            payee=returns.PayeeDetails(form["account_name"].strip(), form["account_number"], form["bank_name"].strip()),
            rail=payout_rail(current_app.config),
            window_days=window_days(),
        )
    except returns.ReturnRefused as refused:
        return _page(refusal=str(RETURN_REFUSALS[refused.why]), status=409)
    except Conflict:  # no online rail (bank_file)
        return _page(refusal=_("当前的付款通道不支持在线退还，请联系平台财务。"), status=409)
    return redirect(url_for("console.supplier_deposit"), 303)
