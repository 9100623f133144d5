"""调账 (manual adjustments, maker-checker): the list by status, proposing one in yuan, a second finance user
approving or rejecting it, and proposing the reversal of an adjustment's posting. Every rule is the ledger's
(distro/ledger/adjustments.py, the API's service): the page turns what a person typed into the API's request."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response

from distro.auth.models import Role
from distro.console import finance_ledger_queries as ledger_queries
from distro.console import finance_words as words
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.finance_ledger import after_shown
from distro.console.lists import newest_first
from distro.db import get_session
from distro.errors import Conflict, Forbidden, ValidationFailed
from distro.ledger import adjustments as service
from distro.ledger.chart import EntryLine, PostingError, account_type
from distro.ledger.models import ADJUSTMENT_STATUSES, Adjustment
from distro.ledger.rules import hand_reversal_refusal
from distro.ledger.schemas import NewAdjustmentSchema, RejectionSchema, ReversalSchema
from distro.money import parse_yuan
from distro.pages import form_messages, page_messages, parse_form, parse_query

menu_item(
    Role.FINANCE,
    "console.finance_adjustments",
    _l("调账"),
    order=30,
    pages=("console.finance_adjustment", "console.finance_new_adjustment"),
)

ROWS = 4
"""Entry rows the form offers (the API takes up to 50; a correction by hand rarely needs more than four)."""

WORDS = {
    "memo": _l("请填写 3 到 500 字的调账原因"),
    "reason": _l("请填写 3 到 500 字的原因"),
    "entries": _l("请至少填写两行分录"),
    "entries.balanced": _l("借方合计与贷方合计不相等：一笔调账的借贷必须平衡"),
    "unknown": _l("该账户所属的店铺或供货商不存在"),
}
"""The page's words for a rule of the API's schema or service that what was typed breaks."""
AMOUNT = _l("请输入正的金额（元），最多两位小数，如 12.50")
ONE_SIDE = _l("借方和贷方只填一个")
NO_AMOUNT = _l("请填写借方或贷方金额")
NO_ACCOUNT = _l("请填写账户代码")
UNKNOWN_CODE = _l("没有这个账户代码，例如 shop:42:available、supplier:7:payable、platform:adjustments")
OWN_PROPOSAL = _l("你提出的调账不能由你自己审批，请另一位财务同事审批。")
DECIDED = _l("这笔调账已经处理过，不能再改变决定。")
ALREADY_REVERSED = _l("这笔记账已被冲正，或它的冲正正在等待审批。")


TypedForm = Schema.from_dict(
    {
        "memo": fields.String(load_default=""),
        **{
            f"{part}_{row}": fields.String(load_default="")
            for row in range(ROWS)
            for part in ("account", "debit", "credit")
        },
    },
    name="TypedForm",
)
"""The adjustment form as typed: the reason and each row's account, debit and credit, all text (read by _entries)."""


class StatusFilter(Schema):
    """?status= (proposed, approved, rejected) and ?after= of the list."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(ADJUSTMENT_STATUSES))


@bp.get("/finance/adjustments")
@console_page(Role.FINANCE)
def finance_adjustments() -> tuple[str, int]:
    """调账: adjustments and reversals newest first, by status (the API's adjustments_query)."""
    try:
        status = parse_query(StatusFilter())["status"]
    except ValidationError:
        status, code = None, 422
    else:
        code = 200
    session = get_session()
    page = newest_first(session, service.adjustments_query(status), Adjustment.id, after=after_shown())
    names = ledger_queries.names_of(session, {row.proposed_by for row in page.rows})
    return render_template(
        "console/finance/adjustments.html", page=page, status=status, names=names, words=words, bad_filter=code != 200
    ), code


def _typed_rows(form: dict[str, str]) -> list[dict[str, str]]:
    return [
        {part: form.get(f"{part}_{row}", "").strip() for part in ("account", "debit", "credit")} for row in range(ROWS)
    ]


def _entries(typed: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[int], dict[str, list[str]]]:
    """The API's entries (signed fen) from the rows typed in yuan, the row each came from, and each row's errors."""
    entries, rows, errors = [], [], {}
    for row, line in enumerate(typed):
        if not any(line.values()):
            continue
        if not line["account"]:
            errors[f"account_{row}"] = [str(NO_ACCOUNT)]
        else:
            try:
                account_type(line["account"])
            except PostingError:
                errors[f"account_{row}"] = [str(UNKNOWN_CODE)]
        sides = [side for side in ("debit", "credit") if line[side]]
        if not sides:
            errors[f"debit_{row}"] = [str(NO_AMOUNT)]
            continue
        if len(sides) == 2:
            errors[f"credit_{row}"] = [str(ONE_SIDE)]
            continue
        try:
            fen = parse_yuan(line[sides[0]])
        except ValueError:
            fen = 0
        if fen <= 0:
            errors[f"{sides[0]}_{row}"] = [str(AMOUNT)]
            continue
        entries.append({"account": line["account"], "amount": fen if sides[0] == "debit" else -fen})
        rows.append(row)
    return entries, rows, errors


def _form(typed: list[dict[str, str]] | None = None, memo: str = "", errors: dict | None = None, code: int = 200):
    blank = [{"account": "", "debit": "", "credit": ""} for _ in range(ROWS)]
    return render_template(
        "console/finance/adjustment_new.html", rows=typed or blank, memo=memo, errors=errors or {}
    ), code


@bp.get("/finance/adjustments/new")
@console_page(Role.FINANCE)
def finance_new_adjustment() -> tuple[str, int]:
    """The form proposing an adjustment: a reason and rows of account, debit and credit in yuan (?account= fills in
    the first row's account, as the ledger explorer's account page links here)."""
    account = request.args.get("account", "").strip()[:80]
    rows = [{"account": account if row == 0 else "", "debit": "", "credit": ""} for row in range(ROWS)]
    return _form(rows)


@bp.post("/finance/adjustments/new")
@console_page(Role.FINANCE)
def finance_propose_adjustment() -> Response | tuple[str, int]:
    """Propose the adjustment typed (it posts nothing until another finance user approves it)."""
    form = parse_form(TypedForm())
    typed, memo = _typed_rows(form), form.get("memo", "").strip()
    entries, rows, errors = _entries(typed)
    if errors:
        return _form(typed, memo, errors, 422)
    try:
        request_body = NewAdjustmentSchema().load({"memo": memo, "entries": entries})
    except ValidationError as refused:
        return _form(typed, memo, {name: [str(WORDS[name])] for name in form_messages(refused) if name in WORDS}, 422)
    try:
        adjustment = service.propose_adjustment(
            session=get_session(),
            lines=[EntryLine(entry["account"], entry["amount"]) for entry in request_body["entries"]],
            memo=request_body["memo"],
            proposed_by=current_user_id(),
        )
    except ValidationFailed as refused:
        return _form(typed, memo, _on_rows(page_messages(refused, WORDS), rows), 422)
    return redirect(url_for("console.finance_adjustment", adjustment_id=adjustment.id), 303)


def _on_rows(messages: dict[str, list[str]], rows: list[int]) -> dict[str, list[str]]:
    """The service's messages on entries.N.account shown on the form's row N came from."""
    shown: dict[str, list[str]] = {}
    for name, said in messages.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(rows):
            name = f"{parts[2]}_{rows[int(parts[1])]}"
        shown.setdefault(name, []).extend(said)
    return shown


def _detail(adjustment: Adjustment, *, message: str | None = None, errors: dict | None = None, code: int = 200):
    session = get_session()
    names = ledger_queries.names_of(session, {adjustment.proposed_by, adjustment.decided_by})
    lines = service.lines_of(adjustment)
    return render_template(
        "console/finance/adjustment.html",
        adjustment=adjustment,
        lines=lines,
        names=names,
        owners=ledger_queries.owner_names(session, [line.account for line in lines]),
        mine=adjustment.proposed_by == current_user_id(),
        message=message,
        errors=errors or {},
        words=words,
    ), code


@bp.get("/finance/adjustments/<int:adjustment_id>")
@console_page(Role.FINANCE)
def finance_adjustment(adjustment_id: int) -> tuple[str, int]:
    """An adjustment: what it posts, who proposed and decided it, and approving or rejecting it."""
    return _detail(service.get_adjustment(get_session(), adjustment_id))


@bp.post("/finance/adjustments/<int:adjustment_id>/approve")
@console_page(Role.FINANCE)
def finance_approve_adjustment(adjustment_id: int) -> Response | tuple[str, int]:
    """Approve and post it, once; the finance user who proposed it is refused (maker-checker)."""
    session = get_session()
    try:
        service.approve(session=session, adjustment_id=adjustment_id, approver=current_user_id())
    except Forbidden:
        session.rollback()
        return _detail(service.get_adjustment(session, adjustment_id), message=str(OWN_PROPOSAL), code=403)
    except Conflict:
        session.rollback()
        return _detail(service.get_adjustment(session, adjustment_id), message=str(DECIDED), code=409)
    return redirect(url_for("console.finance_adjustment", adjustment_id=adjustment_id), 303)


@bp.post("/finance/adjustments/<int:adjustment_id>/reject")
@console_page(Role.FINANCE)
def finance_reject_adjustment(adjustment_id: int) -> Response | tuple[str, int]:
    """Reject it with a reason, so it never posts (the proposer may withdraw their own)."""
    session = get_session()
    try:
        reason = parse_form(RejectionSchema())["reason"]
    except ValidationError:
        return _detail(
            service.get_adjustment(session, adjustment_id), errors={"reason": [str(WORDS["reason"])]}, code=422
        )
    try:
        service.reject(session=session, adjustment_id=adjustment_id, reason=reason, actor=current_user_id())
    except Conflict:
        session.rollback()
        return _detail(service.get_adjustment(session, adjustment_id), message=str(DECIDED), code=409)
    return redirect(url_for("console.finance_adjustment", adjustment_id=adjustment_id), 303)


@bp.post("/finance/ledger/postings/<int:posting_id>/reversal")
@console_page(Role.FINANCE)
def finance_reversal(posting_id: int) -> Response | tuple[str, int]:
    """Propose the exact reversal of a manual adjustment's posting; a flow's posting is refused, naming the flow."""
    session = get_session()
    view = ledger_queries.posting(session, posting_id)

    def refused(errors: dict, code: int, message: str | None = None) -> tuple[str, int]:
        refusal = hand_reversal_refusal(view.posting.kind, is_reversal=view.posting.reverses_posting_id is not None)
        said = words.CORRECTED_BY.get(refusal.corrected_by, words.OTHER_FLOW) if refusal else message
        return render_template(
            "console/finance/ledger_posting.html",
            view=view,
            refusal=refusal,
            refusal_words=said,
            words=words,
            errors=errors,
            message=message,
        ), code

    try:
        memo = parse_form(ReversalSchema())["memo"]
    except ValidationError:
        return refused({"memo": [str(WORDS["reason"])]}, 422)
    try:
        adjustment = service.propose_reversal(
            session=session, posting_id=posting_id, memo=memo, proposed_by=current_user_id()
        )
    except service.NotReversibleByHand:
        session.rollback()
        return refused({}, 409)
    except Conflict:
        session.rollback()
        return refused({}, 409, str(ALREADY_REVERSED))
    return redirect(url_for("console.finance_adjustment", adjustment_id=adjustment.id), 303)
