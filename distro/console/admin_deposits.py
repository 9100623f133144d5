"""A supplier's deposit for admins: its standing and movements, setting the deposit it must hold (with a reason,
audited), drawing a penalty from it (with a reason, audited; an admin's act, not maker-checker), and returning a
removed supplier's deposit through the payout rail when nothing is outstanding."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import ReasonForm
from distro.console.blueprint import bp
from distro.console.deposit_forms import RETURN_REFUSALS, ReturnForm, window_days
from distro.console.finance_words import KINDS
from distro.console.lists import newest_first
from distro.db import get_session
from distro.deposits import returns, services
from distro.deposits.standing import standing_of
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.ledger.models import Entry
from distro.money import format_cny
from distro.owner.forms import Yuan
from distro.pages import form_messages, parse_form
from distro.settlement.rail_payments import payout_rail
from distro.suppliers.models import Supplier

DONE = {
    "requirement": _l("已更新应缴保证金，供货商的商品已按新金额重新判断是否在货源池。"),
    "penalty": _l("已从保证金扣款，供货商保证金不足时其商品已离开货源池。"),
    "returned": _l("已提交退还，结果见收支与退还记录。"),
}


class RequirementForm(ReasonForm):
    """应缴保证金 for one supplier, in yuan, and why."""

    class Meta:
        unknown = EXCLUDE

    required_fen = Yuan(required=True, error_messages={"required": _l("请填写应缴金额")})


class PenaltyForm(ReasonForm):
    """A penalty drawn from the deposit, in yuan (more than zero), and why."""

    class Meta:
        unknown = EXCLUDE

    amount_fen = Yuan(required=True, error_messages={"required": _l("请填写扣款金额")})


def _supplier(supplier_id: int) -> Supplier:
    supplier = get_session().get(Supplier, supplier_id)
    if supplier is None or supplier.status in ("applied", "rejected"):
        raise NotFound(f"No admitted supplier {supplier_id}.")
    return supplier


def _page(
    supplier_id: int,
    *,
    errors: dict | None = None,
    form: str | None = None,
    refusal: str | None = None,
    status: int = 200,
):
    session = get_session()
    supplier = _supplier(supplier_id)
    movements = newest_first(session, services.movements_query(supplier_id), Entry.id, after=None, size=20)
    return render_template(
        "console/admin/deposit.html",
        supplier=supplier,
        standing=standing_of(session, supplier),
        movements=movements,
        returns=returns.returns_of(session, supplier_id),
        refusal=refusal,
        kinds=KINDS,
        errors=errors or {},
        failed_form=form,
        typed=request.form if errors else {},
        done=DONE.get(request.args.get("done", "")),
    ), status


@bp.get("/admin/deposits/<int:supplier_id>", endpoint="admin_deposit")
@console_page(Role.ADMIN)
def deposit(supplier_id: int) -> tuple[str, int]:
    """A supplier's deposit: required, held, short, the latest movements, and the admin's two acts."""
    return _page(supplier_id)


@bp.post("/admin/deposits/<int:supplier_id>/requirement", endpoint="admin_deposit_requirement")
@console_page(Role.ADMIN)
def set_requirement(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Set the deposit this supplier must hold, with a reason."""
    _supplier(supplier_id)
    try:
        form = parse_form(RequirementForm())
    except ValidationError as refused:
        return _page(supplier_id, errors=form_messages(refused), form="requirement", status=422)
    services.set_requirement(
        session=get_session(),
        supplier_id=supplier_id,
        required_fen=form["required_fen"],
        reason=form["reason"].strip(),
        admin_id=current_user_id(),
    )
    return redirect(url_for("console.admin_deposit", supplier_id=supplier_id, done="requirement"), 303)


@bp.post("/admin/deposits/<int:supplier_id>/penalty", endpoint="admin_deposit_penalty")
@console_page(Role.ADMIN)
def penalize(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Draw a penalty from the supplier's deposit to the platform's revenue, with a reason."""
    _supplier(supplier_id)
    try:
        form = parse_form(PenaltyForm())
        if form["amount_fen"] <= 0:
            raise ValidationError({"amount_fen": [str(_l("扣款金额必须大于 0"))]})
    except ValidationError as refused:
        return _page(supplier_id, errors=form_messages(refused), form="penalty", status=422)
    try:
        services.penalize(
            session=get_session(),
            supplier_id=supplier_id,
            amount_fen=form["amount_fen"],
            reason=form["reason"].strip(),
            admin_id=current_user_id(),
        )
    except ValidationFailed:
        get_session().rollback()
        held = standing_of(get_session(), _supplier(supplier_id)).held_fen
        message = _l("扣款不能超过供货商已缴的保证金（%(held)s）", held=format_cny(max(held, 0)))
        return _page(supplier_id, errors={"amount_fen": [str(message)]}, form="penalty", status=422)
    return redirect(url_for("console.admin_deposit", supplier_id=supplier_id, done="penalty"), 303)


@bp.post("/admin/deposits/<int:supplier_id>/return", endpoint="admin_deposit_return")
@console_page(Role.ADMIN)
def return_deposit(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Return a removed supplier's deposit to its bank account, only with nothing outstanding."""
    _supplier(supplier_id)
    try:
        form = parse_form(ReturnForm())
    except ValidationError as refused:
        return _page(supplier_id, errors=form_messages(refused), form="return", status=422)
    try:
        returns.return_removed_suppliers_deposit(
            session=get_session(),
            supplier_id=supplier_id,
            admin_id=current_user_id(),
            payee=returns.PayeeDetails(form["account_name"].strip(), form["account_number"], form["bank_name"].strip()),
            rail=payout_rail(current_app.config),
            window_days=window_days(),
        )
    except returns.ReturnRefused as refused:
        return _page(supplier_id, refusal=str(RETURN_REFUSALS[refused.why]), status=409)
    except Conflict:
        return _page(supplier_id, refusal=str(_l("只能为已清退的供货商退还保证金，且需在线付款通道。")), status=409)
    return redirect(url_for("console.admin_deposit", supplier_id=supplier_id, done="returned"), 303)
