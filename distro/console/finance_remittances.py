"""供货商回款 (supplier remittances, maker-checker): recording one against a statement (amount in yuan, bank
reference, day), the list by status, and a second finance user approving it (it posts) or rejecting it. Every rule
is distro/dues/remittances.py's; a refusal is shown in Chinese on the page, never as an error page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import col
from werkzeug.wrappers import Response

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.finance_dues import REMITTANCE_STATUSES, statement_page
from distro.console.lists import AN_ID, newest_first
from distro.db import get_session
from distro.dues import remittances, statements
from distro.dues.models import SupplierRemittance
from distro.errors import Conflict, Forbidden, NotFound
from distro.owner.forms import Yuan
from distro.pages import form_messages, parse_form, parse_query

menu_item(
    Role.FINANCE, "console.finance_remittances", _l("供货商回款"), order=56, pages=("console.finance_remittance",)
)

OWN_RECORD = _l("这笔回款是你登记的，需由另一位财务同事复核入账；你可以撤回。")
DECIDED = _l("这笔回款已经处理过，不能再改变决定。")
ALREADY = _l("这笔银行流水号已经登记过，请勿重复登记。")
REASON = _l("请填写 3 到 500 字的原因")
POSITIVE = _l("请填写大于 0 的回款金额")


class RemittanceForm(Schema):
    """登记回款: the amount in yuan, the bank's reference of the transfer, the day it arrived and a note."""

    class Meta:
        unknown = EXCLUDE

    amount = Yuan(required=True, error_messages={"required": _l("请填写回款金额")})
    bank_reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64, error=_l("请填写银行流水号（最多 64 字）")),
        error_messages={"required": _l("请填写银行流水号（最多 64 字）")},
    )
    remitted_on = fields.Date(
        required=True, error_messages={"required": _l("请选择到账日期"), "invalid": _l("请选择到账日期")}
    )
    memo = fields.String(load_default="", validate=validate.Length(max=500, error=_l("备注最多 500 字")))


class ReasonForm(Schema):
    """驳回原因."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(
        required=True, validate=validate.Length(min=3, max=500, error=REASON), error_messages={"required": REASON}
    )


class StatusFilter(Schema):
    """?status=&after= of the list."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(list(REMITTANCE_STATUSES)))
    after = fields.Integer(load_default=None, validate=AN_ID)


@bp.post("/finance/statements/<int:statement_id>/remittances")
@console_page(Role.FINANCE)
def finance_record_remittance(statement_id: int) -> Response | tuple[str, int]:
    """登记回款 (the maker): remittances.propose against the statement's supplier; a colleague approves it."""
    session = get_session()
    shown = statements.get_statement(session, statement_id)
    try:
        form = parse_form(RemittanceForm())
    except ValidationError as refused:
        return statement_page(statement_id, errors=form_messages(refused), form=request.form.to_dict(), code=422)
    if form["amount"] <= 0:
        return statement_page(statement_id, errors={"amount": [str(POSITIVE)]}, form=request.form.to_dict(), code=422)
    try:
        remittance = remittances.propose(
            session=session,
            supplier_id=shown.statement["supplier_id"],
            statement_id=statement_id,
            amount_fen=form["amount"],
            bank_reference=form["bank_reference"].strip(),
            remitted_on=form["remitted_on"],
            memo=form["memo"].strip(),
            proposed_by=current_user_id(),
        )
    except remittances.AlreadyRecorded:
        session.rollback()
        return statement_page(
            statement_id, errors={"bank_reference": [str(ALREADY)]}, form=request.form.to_dict(), code=409
        )
    return redirect(url_for("console.finance_remittance", remittance_id=remittance.id), 303)


@bp.get("/finance/remittances")
@console_page(Role.FINANCE)
def finance_remittances() -> tuple[str, int]:
    """供货商回款: remittances newest first, by status (待复核 first of all for the checker)."""
    try:
        args = parse_query(StatusFilter())
    except ValidationError:
        args, code = {"status": None, "after": None}, 422
    else:
        code = 200
    page = newest_first(
        get_session(), remittances.remittances_query(args["status"]), SupplierRemittance.id, after=args["after"]
    )
    return render_template(
        "console/finance/remittances.html", page=page, status=args["status"], statuses=REMITTANCE_STATUSES
    ), code


def _remittance_page(remittance_id: int, *, message: str | None = None, errors: dict | None = None, code: int = 200):
    session = get_session()
    row = (
        session.execute(remittances.remittances_query().where(col(SupplierRemittance.id) == remittance_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"No remittance {remittance_id}.")
    return render_template(
        "console/finance/remittance.html",
        remittance=row,
        statuses=REMITTANCE_STATUSES,
        mine=row["proposed_by"] == current_user_id(),
        message=message,
        errors=errors or {},
    ), code


@bp.get("/finance/remittances/<int:remittance_id>")
@console_page(Role.FINANCE)
def finance_remittance(remittance_id: int) -> tuple[str, int]:
    """A remittance: what was recorded, by whom, and approving or rejecting it."""
    return _remittance_page(remittance_id)


@bp.post("/finance/remittances/<int:remittance_id>/approve")
@console_page(Role.FINANCE)
def finance_approve_remittance(remittance_id: int) -> Response | tuple[str, int]:
    """复核入账 (the checker): remittances.approve posts it once; the finance user who recorded it is refused."""
    try:
        remittances.approve(session=get_session(), remittance_id=remittance_id, approver=current_user_id())
    except Forbidden:
        get_session().rollback()
        return _remittance_page(remittance_id, message=str(OWN_RECORD), code=403)
    except Conflict:
        get_session().rollback()
        return _remittance_page(remittance_id, message=str(DECIDED), code=409)
    return redirect(url_for("console.finance_remittance", remittance_id=remittance_id), 303)


@bp.post("/finance/remittances/<int:remittance_id>/reject")
@console_page(Role.FINANCE)
def finance_reject_remittance(remittance_id: int) -> Response | tuple[str, int]:
    """驳回 (or 撤回, by whoever recorded it): remittances.reject, with a reason; nothing posts."""
    try:
        reason = parse_form(ReasonForm())["reason"]
    except ValidationError as refused:
        return _remittance_page(remittance_id, errors=form_messages(refused), code=422)
    try:
        remittances.reject(session=get_session(), remittance_id=remittance_id, reason=reason, actor=current_user_id())
    except Conflict:
        get_session().rollback()
        return _remittance_page(remittance_id, message=str(DECIDED), code=409)
    return redirect(url_for("console.finance_remittance", remittance_id=remittance_id), 303)
