"""Settlement API: finance prepares, approves, pays and reconciles batches (retrying a failed computation) and
reads a month's figures; owners register payees and see statements."""

from __future__ import annotations

import json

from flask import Response, current_app, request
from marshmallow import ValidationError

from distro import audit
from distro.api import API_PREFIX, Blueprint, SelectPage, refuse_unstorable_text
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.errors import FieldError, ValidationFailed, field_errors
from distro.idempotency.http import idempotent
from distro.openapi import ATTACHMENT, BINARY
from distro.queue import redis_for
from distro.settlement import batches, computing, exports, jobs, lifecycle, payees, queries
from distro.settlement.payout_results import PayoutResult, record_results
from distro.settlement.schemas import (
    RESULT_ROWS,
    AuditSchema,
    BatchFilterSchema,
    BatchSchema,
    CutoffSchema,
    MonthSchema,
    PayeeCreateSchema,
    PayeeSchema,
    PayoutSchema,
    PeriodSchema,
    PreviewSchema,
    ReasonSchema,
    ResultsSchema,
    StatementSchema,
)

blp = Blueprint("settlement", __name__, url_prefix=API_PREFIX, description="Settlement batches and payouts")
FINANCE = Role.FINANCE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _minimum() -> int:
    return int(current_app.config["SETTLEMENT_MIN_PAYOUT_FEN"])


def _with_progress(batch) -> dict:
    progress = None
    if lifecycle.allowed("compute", batch.status):  # a worker computes it (or will)
        raw = redis_for(current_app.config["REDIS_URL"]).get(jobs.progress_key(batch.id))
        progress = json.loads(raw) if raw else {"phase": "queued"}
    return {**batch.model_dump(), "progress": progress}


@blp.route("/settlement/preview", methods=["POST"])
@requires(FINANCE)
@blp.arguments(CutoffSchema, required=False, description="Optional: without a body the cut-off is now.")
@blp.response(200, PreviewSchema)
def preview(data: dict):
    """Dry run: what a batch with this cut-off would claim and pay, and its reconciliation; nothing is kept."""
    computed = computing.preview(
        session=get_session(), cutoff_at=data["cutoff_at"], minimum_fen=_minimum(), actor=current_user_id()
    )
    return {**vars(computed.totals), "reconciliation": computed.reconciliation}


@blp.route("/settlement/batches", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.arguments(
    CutoffSchema, description="Required, so that no bare POST creates a batch: {} makes one with the cut-off now."
)
@blp.response(202, BatchSchema)
def create_batch(data: dict):
    """Create a batch; a worker computes it (watch its progress). Honours Idempotency-Key."""
    batch = batches.create_batch(session=get_session(), cutoff_at=data["cutoff_at"], created_by=current_user_id())
    jobs.enqueue_compute(batch.id)  # type: ignore[arg-type]
    return _with_progress(batch)


@blp.route("/settlement/batches", methods=["GET"])
@requires(FINANCE)
@blp.arguments(BatchFilterSchema, location="query")
@blp.response(200, BatchSchema(many=True))
@blp.paginate(SelectPage)
def list_batches(data: dict):
    """Every batch, newest first (?status=failed: those whose computation failed, with the reason)."""
    return batches.batches_query(data["status"])


@blp.route("/settlement/batches/<int:batch_id>", methods=["GET"])
@requires(FINANCE)
@blp.response(200, BatchSchema)
def get_batch(batch_id: int):
    """A batch with its totals, and its progress while computing."""
    return _with_progress(batches.get_batch(get_session(), batch_id))


@blp.route("/settlement/batches/<int:batch_id>/retry", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.response(202, BatchSchema)
@blp.problem(409, "The batch is not failed.")
def retry(batch_id: int):
    """Compute again a batch whose computation failed; a worker computes it (watch its progress)."""
    batch = computing.retry(session=get_session(), batch_id=batch_id, actor=current_user_id())
    jobs.enqueue_compute(batch_id)
    return _with_progress(batch)


@blp.route("/settlement/batches/<int:batch_id>/approve", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.response(200, BatchSchema)
@blp.problem(403, "The caller lacks the finance role, or created this batch (another finance user approves it).")
@blp.problem(409, "The batch is not ready.")
def approve(batch_id: int):
    """Approve a ready batch (not by the finance user who created it)."""
    return _with_progress(batches.approve(session=get_session(), batch_id=batch_id, approver=current_user_id()))


@blp.route("/settlement/batches/<int:batch_id>/cancel", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.arguments(ReasonSchema)
@blp.response(200, BatchSchema)
@blp.problem(409, "The batch is not ready.")
def cancel(data: dict, batch_id: int):
    """Cancel a ready batch: its lines are released and the reserved money returns to the shops."""
    return _with_progress(
        batches.cancel(session=get_session(), batch_id=batch_id, reason=data["reason"], actor=current_user_id())
    )


@blp.route("/settlement/batches/<int:batch_id>/release-held", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.response(200, BatchSchema)
@blp.problem(409, "The batch's status allows no release.")
def release_held(batch_id: int):
    """Attach payee accounts registered since to held payouts, so they can be paid."""
    session = get_session()
    batches.release_held(session=session, batch_id=batch_id, actor=current_user_id())
    return _with_progress(batches.get_batch(session, batch_id))


@blp.route("/settlement/batches/<int:batch_id>/payouts", methods=["GET"])
@requires(FINANCE)
@blp.response(200, PayoutSchema(many=True))
@blp.paginate(SelectPage)
def payouts(batch_id: int):
    """The batch's payouts (payee accounts masked)."""
    batches.get_batch(get_session(), batch_id)
    return queries.payouts_query(batch_id)


def _export(batch_id: int, render, mimetype: str, suffix: str) -> Response:
    session = get_session()
    batches.get_batch(session, batch_id)
    rows = session.execute(queries.payouts_query(batch_id)).all()
    audit.record(
        session,
        actor_id=current_user_id(),
        action=f"settlement.exported_{suffix}",
        subject_type="settlement_batch",
        subject_id=batch_id,
        after={"payouts": len(rows)},
    )
    session.commit()
    return Response(
        render(batch_id, rows),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=batch-{batch_id}.{suffix}"},
    )


@blp.route("/settlement/batches/<int:batch_id>/export.csv", methods=["GET"])
@requires(FINANCE)
@blp.response(200, BINARY, content_type="text/csv", headers=ATTACHMENT, description="The payment file (UTF-8 CSV).")
def export_csv(batch_id: int) -> Response:
    """The payment file as CSV: payee details, amounts in yuan, a totals row."""
    return _export(batch_id, exports.payouts_csv, "text/csv", "csv")


@blp.route("/settlement/batches/<int:batch_id>/export.xlsx", methods=["GET"])
@requires(FINANCE)
@blp.response(200, BINARY, content_type=XLSX, headers=ATTACHMENT, description="The payment file (Excel).")
def export_xlsx(batch_id: int) -> Response:
    """The payment file as XLSX."""
    return _export(batch_id, exports.payouts_xlsx, XLSX, "xlsx")


@blp.route("/settlement/batches/<int:batch_id>/results", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.arguments(ResultsSchema)
@blp.response(200, BatchSchema)
@blp.problem(409, "The batch takes no results in its status.")
def results(data: dict, batch_id: int):
    """Record what the bank said: paid (with its reference) or failed (with the reason) per payout."""
    batch = record_results(
        session=get_session(),
        batch_id=batch_id,
        actor=current_user_id(),
        results=[PayoutResult(**row) for row in data["results"]],
    )
    return _with_progress(batch)


@blp.route("/settlement/batches/<int:batch_id>/results/file", methods=["POST"])
@requires(FINANCE)
@idempotent
@blp.response(200, BatchSchema)
@blp.doc(
    requestBody={
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": BINARY}}}},
    }
)
@blp.problem(409, "The batch takes no results in its status.")
@blp.problem(413, "The file is larger than MAX_CONTENT_LENGTH (16 MiB by default).")
@blp.problem(422, "No file, a file that is not the bank's CSV, or rows breaking a result's rules (each named).")
def results_file(batch_id: int):
    """Record results from the bank's CSV file (columns payout_id, status, external_reference, reason)."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Attach the result file.", [FieldError("file", "a CSV file is required", "required")])
    try:
        rows = exports.parse_results_csv(upload.read())
    except exports.UnreadableResults as error:
        raise ValidationFailed(
            "The result file cannot be read: it needs a header row payout_id,status,external_reference,reason "
            "and whole-number payout ids.",
            [FieldError("file", str(error), "format")],
        ) from error
    try:  # each row is held to the rules of one result sent as JSON, text the database can hold among them
        refuse_unstorable_text(rows)
        results = [PayoutResult(**row) for row in RESULT_ROWS.load(rows)]
    except ValidationError as error:
        raise ValidationFailed(
            "Some rows of the result file break the rules; nothing was recorded.",
            field_errors({"results": error.normalized_messages()}),
        ) from error
    batch = record_results(session=get_session(), batch_id=batch_id, actor=current_user_id(), results=results)
    return _with_progress(batch)


@blp.route("/settlement/batches/<int:batch_id>/reconciliation", methods=["GET"])
@requires(FINANCE)
@blp.doc(
    parameters=[
        {
            "in": "query",
            "name": "download",
            "description": "Any value: answer it as an attachment to save.",
            "schema": {"type": "string"},
        }
    ]
)
@blp.response(
    200,
    {"type": "object", "description": "The reconciliation report (see README, Settlement)."},
    headers=ATTACHMENT,
    description="The reconciliation, as an attachment with ?download.",
)
def reconciliation(batch_id: int) -> Response:
    """As fixed when computed: brought forward, claimed, netted clawbacks, carried forward and payouts
    (brought_forward + claimed − netted_clawbacks − carried_forward = payouts), supplier dues and platform
    revenue; then what was paid, failed and returned, or awaits its result; and whether all of it ties out
    to the ledger (download with ?download=1)."""
    report = queries.reconciliation(get_session(), batch_id)
    headers = (
        {"Content-Disposition": f"attachment; filename=reconciliation-{batch_id}.json"}
        if (request.args.get("download"))
        else {}
    )
    return Response(json.dumps(report, ensure_ascii=False, indent=2), mimetype="application/json", headers=headers)


@blp.route("/settlement/periods/<string:month>", methods=["GET"])
@requires(FINANCE)
@blp.response(200, PeriodSchema)
@blp.problem(422, "That is not a month (YYYY-MM).")
def period(month: str):
    """A month (YYYY-MM, Asia/Shanghai) from the ledger: accrued, reversed, clawed back, released, reserved,
    paid and returned, what each supplier owes, and whether the figures tie out."""
    try:
        MonthSchema().load({"month": month})
    except ValidationError as error:
        raise ValidationFailed("That is not a month.", field_errors(error.normalized_messages())) from error
    return queries.period(get_session(), month)


@blp.route("/settlement/batches/<int:batch_id>/audit", methods=["GET"])
@requires(FINANCE)
@blp.response(200, AuditSchema(many=True))
@blp.paginate(SelectPage)
def batch_audit(batch_id: int):
    """Who did what to the batch, newest first."""
    return audit.history_query("settlement_batch", batch_id)


@blp.route("/payee-accounts", methods=["POST"])
@requires(Role.SHOP_OWNER)
@blp.arguments(PayeeCreateSchema)
@blp.response(201, PayeeSchema)
def register_payee(data: dict):
    """Register where to be paid (bank card, WeChat or Alipay); it becomes the default."""
    return payees.register_payee(session=get_session(), owner_id=current_user_id(), values=data)


@blp.route("/payee-accounts", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, PayeeSchema(many=True))
@blp.paginate(SelectPage)
def list_payees():
    """The caller's payee accounts (numbers masked)."""
    return payees.payees_query(current_user_id())


@blp.route("/settlement/statements", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, StatementSchema(many=True))
@blp.paginate(SelectPage)
def statements():
    """The caller's payouts, batch by batch."""
    return queries.statements_query(current_user_id())
