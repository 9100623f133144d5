"""What finance does to a settlement batch from its page: approve it (not the maker: maker-checker), cancel it
with a reason, release held payouts, pay it through the payout rail or upload the bank's results file, download
the payment file (CSV, XLSX) and the reconciliation (on screen, CSV, XLSX).

Each calls the service the API calls (distro.settlement.batches, jobs, payout_results, exports, queries); a
refusal is shown in Chinese on the batch's page, never as an error page.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response as BaseResponse

from distro import audit
from distro.api import refuse_unstorable_text
from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp
from distro.console.finance_batches import batch_page
from distro.db import get_session
from distro.errors import Conflict, Forbidden, ValidationFailed
from distro.pages import form_messages, parse_form
from distro.settlement import batches, exports, jobs, lifecycle, queries
from distro.settlement.payout_results import PayoutResult, record_results
from distro.settlement.rail_payments import payout_rail
from distro.settlement.schemas import RESULT_ROWS
from distro.suppliers.admin_queries import company_names

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAKER_MAY_NOT_APPROVE = _l("你创建了这个批次，不能自己审批：请另一位财务同事审批。")
NOT_NOW = {
    "approve": _l("只有待审批的批次可以审批。"),
    "cancel": _l("只有待审批的批次可以取消。"),
    "release_held": _l("只有待审批或已审批的批次可以放行暂缓的付款。"),
    "pay": _l("只有已审批的批次可以付款。"),
    "record_results": _l("只有已审批或已付款的批次可以上传银行结果。"),
}


class CancelForm(Schema):
    """取消原因: the API's ReasonSchema's rule, in the page's words."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=500, error=_l("请填写 3 到 500 字的取消原因")),
        error_messages={"required": _l("请填写 3 到 500 字的取消原因")},
    )


CANCEL_FORM = CancelForm()


def _refused(batch_id: int, action: str, error: Exception) -> tuple[str, int]:
    """The batch's page with what refused the action, in Chinese."""
    if isinstance(error, Forbidden):
        return batch_page(batch_id, message=str(MAKER_MAY_NOT_APPROVE), status=403)
    return batch_page(batch_id, message=str(NOT_NOW[action]), status=409)


def _back(batch_id: int, **args) -> BaseResponse:
    return redirect(url_for("console.finance_batch", batch_id=batch_id, **args), 303)


@bp.post("/finance/batches/<int:batch_id>/approve")
@console_page(Role.FINANCE)
def finance_batch_approve(batch_id: int) -> BaseResponse | tuple[str, int]:
    """审批: batches.approve (the maker cannot)."""
    try:
        batches.approve(session=get_session(), batch_id=batch_id, approver=current_user_id())
    except (Forbidden, Conflict) as error:
        get_session().rollback()
        return _refused(batch_id, "approve", error)
    return _back(batch_id)


@bp.post("/finance/batches/<int:batch_id>/cancel")
@console_page(Role.FINANCE)
def finance_batch_cancel(batch_id: int) -> BaseResponse | tuple[str, int]:
    """取消批次 with its reason: batches.cancel (its lines are released, the money returns to the shops)."""
    try:
        form = parse_form(CANCEL_FORM)
        batches.cancel(session=get_session(), batch_id=batch_id, reason=form["reason"], actor=current_user_id())
    except ValidationError as refused:
        return batch_page(batch_id, errors=form_messages(refused), status=422)
    except Conflict as error:
        get_session().rollback()
        return _refused(batch_id, "cancel", error)
    return _back(batch_id)


@bp.post("/finance/batches/<int:batch_id>/release-held")
@console_page(Role.FINANCE)
def finance_batch_release(batch_id: int) -> BaseResponse | tuple[str, int]:
    """放行暂缓付款: batches.release_held (payouts whose owner registered a payee account since)."""
    try:
        released = batches.release_held(session=get_session(), batch_id=batch_id, actor=current_user_id())
    except Conflict as error:
        get_session().rollback()
        return _refused(batch_id, "release_held", error)
    return _back(batch_id, released=released)


@bp.post("/finance/batches/<int:batch_id>/pay")
@console_page(Role.FINANCE)
def finance_batch_pay(batch_id: int) -> BaseResponse | tuple[str, int]:
    """通过付款通道付款: a worker pays the batch through the configured rail (jobs.pay_through_rail), each payout
    once however often this is pressed."""
    batch = batches.get_batch(get_session(), batch_id)
    if not payout_rail(current_app.config).online:
        return batch_page(
            batch_id, message=str(_l("当前付款通道是银行文件：请下载付款文件，再上传银行结果。")), status=409
        )
    if not lifecycle.allowed("pay", batch.status):
        return batch_page(batch_id, message=str(NOT_NOW["pay"]), status=409)
    jobs.enqueue_pay(batch_id, current_user_id())
    return _back(batch_id)


RESULT_FILE_WORDS = _l("无法读取结果文件：需要表头 payout_id,status,external_reference,reason，付款编号为整数。")
UNREADABLE_WORDS = {
    "not_utf8": _l("文件不是 UTF-8 文本（第 %(byte)s 个字节）：请另存为“CSV UTF-8”"),
    "no_columns": _l("表头中没有 %(columns)s 列"),
    "not_whole_number": _l("第 %(line)s 行：payout_id 不是整数"),
    "bad_line": _l("第 %(line)s 行无法按 CSV 读取：单元格最多 128 KiB，引号外不能换行"),
}
"""Why exports.parse_results_csv could not read the file (its UnreadableResults), as finance reads it."""
assert set(UNREADABLE_WORDS) == set(exports.UNREADABLE_REASONS)
RESULT_FIELD_WORDS = {
    "payout_id": _l("payout_id 须为正整数"),
    "status": _l("状态须为 paid 或 failed"),
    "external_reference": _l("external_reference 最多 100 个字符"),
    "reason": _l("reason 最多 500 个字符"),
}
"""A result row's column that breaks its rule (distro.settlement.schemas.ResultSchema), as finance reads it."""
UNSTORABLE_WORDS = _l("含有无法保存的特殊字符")


def _unreadable(error: exports.UnreadableResults) -> str:
    # The byte counted from 1, as people count (the API's from 0, as Python's).
    values = {"byte": error.byte + 1, "line": error.line, "columns": "、".join(error.columns)}
    said = UNREADABLE_WORDS[error.reason] % values
    return f"{RESULT_FILE_WORDS}（{said}）"


def _row_refusal(where: str, what: str) -> str:
    """A row's broken rule ('3.status', marshmallow's words) as '第 3 行：why' in the page's words."""
    row, _, name = where.partition(".")
    why = UNSTORABLE_WORDS if what == str(UNSTORABLE_WORDS) else RESULT_FIELD_WORDS.get(name)
    return str(_l("第 %(row)s 行：%(why)s", row=row, why=why)) if why is not None else f"{where}: {what}"


@bp.post("/finance/batches/<int:batch_id>/results")
@console_page(Role.FINANCE)
def finance_batch_results(batch_id: int) -> BaseResponse | tuple[str, int]:
    """上传银行结果: the bank's CSV, read and held to a result's rules as the API's upload is, recorded by
    payout_results.record_results."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return batch_page(batch_id, errors={"file": [str(_l("请选择银行结果文件（CSV）"))]}, status=422)
    try:
        rows = exports.parse_results_csv(upload.read())
        refuse_unstorable_text(rows, str(UNSTORABLE_WORDS))
        results = [PayoutResult(**row) for row in RESULT_ROWS.load(rows)]
    except exports.UnreadableResults as error:
        return batch_page(batch_id, errors={"file": [_unreadable(error)]}, status=422)
    except ValidationError as error:
        said = "；".join(_row_refusal(where, what) for where, what in _flat(error.normalized_messages()))
        return batch_page(batch_id, errors={"file": [str(_l("有的行不合规则，什么都没有记录：")) + said]}, status=422)
    try:
        record_results(session=get_session(), batch_id=batch_id, results=results, actor=current_user_id())
    except ValidationFailed as refused:
        get_session().rollback()
        said = "；".join(_result_refusal(failure.field, failure.rule) for failure in refused.errors)
        return batch_page(batch_id, errors={"file": [str(_l("有的结果无法记录，什么都没有记录：")) + said]}, status=422)
    except Conflict as error:
        get_session().rollback()
        return _refused(batch_id, "record_results", error)
    return _back(batch_id)


RESULT_REFUSALS = {
    "unknown": _l("不是本批次的付款"),
    "one_of": _l("状态须为 paid 或 failed"),
    "held": _l("付款暂缓中：店主还没有收款账户"),
    "already_resolved": _l("这笔付款已有不同的结果"),
    "contradicts": _l("与文件中前面给出的结果矛盾"),
}
"""lifecycle.result_refusal's rules, as finance reads them beside the row of the file."""


def _result_refusal(field: str, rule: str) -> str:
    """A refused result as '第 n 行：why' (field is results.<index>.<name>; the header is not a row)."""
    index = field.split(".")[1] if field.count(".") == 2 else "?"
    row = int(index) + 1 if index.isdigit() else index
    return str(_l("第 %(row)s 行：%(why)s", row=row, why=RESULT_REFUSALS.get(rule, rule)))


def _flat(messages: dict, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested messages as (row.field, message) pairs, rows counted from 1 as a spreadsheet shows."""
    pairs: list[tuple[str, str]] = []
    for key, value in messages.items():
        where = f"{prefix}{int(key) + 1 if isinstance(key, int) else key}"
        if isinstance(value, dict):
            pairs.extend(_flat(value, f"{where}."))
        else:
            pairs.extend((where, str(text)) for text in (value if isinstance(value, list) else [value]))
    return pairs


def _download(batch_id: int, render: Callable, mimetype: str, name: str, action: str, rows_of: Callable) -> Response:
    session = get_session()
    batches.get_batch(session, batch_id)
    data, count = rows_of(session)
    audit.record(
        session,
        actor_id=current_user_id(),
        action=action,
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"rows": count},
    )
    session.commit()
    return Response(render(data), mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


def _payouts(batch_id: int) -> Callable:
    def rows_of(session):
        rows = session.execute(queries.payouts_query(batch_id)).all()
        return rows, len(rows)

    return rows_of


@bp.get("/finance/batches/<int:batch_id>/payouts.csv")
@console_page(Role.FINANCE)
def finance_batch_csv(batch_id: int) -> Response:
    """付款文件 (CSV): exports.payouts_csv, as the API's export."""
    render = lambda rows: exports.payouts_csv(batch_id, rows)  # noqa: E731
    return _download(
        batch_id, render, "text/csv", f"batch-{batch_id}.csv", "settlement.exported_csv", _payouts(batch_id)
    )


@bp.get("/finance/batches/<int:batch_id>/payouts.xlsx")
@console_page(Role.FINANCE)
def finance_batch_xlsx(batch_id: int) -> Response:
    """付款文件 (XLSX): exports.payouts_xlsx, as the API's export."""
    render = lambda rows: exports.payouts_xlsx(batch_id, rows)  # noqa: E731
    return _download(batch_id, render, XLSX, f"batch-{batch_id}.xlsx", "settlement.exported_xlsx", _payouts(batch_id))


@bp.get("/finance/batches/<int:batch_id>/reconciliation")
@console_page(Role.FINANCE)
def finance_batch_reconciliation(batch_id: int) -> str:
    """对账: the batch's reconciliation as the API gives it (queries.reconciliation), on screen."""
    session = get_session()
    batch = batches.get_batch(session, batch_id)
    report = queries.reconciliation(session, batch_id)
    owed = (report.get("computed") or {}).get("owed_by_supplier") or []
    names = company_names(session, (row["supplier_id"] for row in owed))
    return render_template("console/finance/batch_reconciliation.html", batch=batch, report=report, names=names)


def _report(batch_id: int) -> Callable:
    def rows_of(session):
        return queries.reconciliation(session, batch_id), 1

    return rows_of


@bp.get("/finance/batches/<int:batch_id>/reconciliation.csv")
@console_page(Role.FINANCE)
def finance_reconciliation_csv(batch_id: int) -> Response:
    """对账单 (CSV)."""
    name = f"reconciliation-{batch_id}.csv"
    return _download(
        batch_id, exports.reconciliation_csv, "text/csv", name, "settlement.reconciliation_exported", _report(batch_id)
    )


@bp.get("/finance/batches/<int:batch_id>/reconciliation.xlsx")
@console_page(Role.FINANCE)
def finance_reconciliation_xlsx(batch_id: int) -> Response:
    """对账单 (XLSX)."""
    name = f"reconciliation-{batch_id}.xlsx"
    return _download(
        batch_id, exports.reconciliation_xlsx, XLSX, name, "settlement.reconciliation_exported", _report(batch_id)
    )
