"""Finance's settlement batches (结算批次): the list, a preview before creating one, and a batch's page with the
progress of its computation (or its payment through the rail) and its payouts, paged and filtered by status.

Thin views over the services the API calls (distro.settlement.batches, computing, queries, jobs); the actions on a
batch are finance_batch_actions.py's.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.pages import form_messages, page_messages, parse_form, parse_query
from distro.queue import redis_for
from distro.settlement import batches, computing, jobs, lifecycle, queries
from distro.settlement.models import SettlementBatch
from distro.settlement.rail_payments import payout_rail
from distro.settlement.schemas import mask_account

BATCH_STATUS_LABELS = {
    lifecycle.COMPUTING: _l("计算中"),
    lifecycle.READY: _l("待审批"),
    lifecycle.APPROVED: _l("已审批"),
    lifecycle.PAID: _l("已付款"),
    lifecycle.PARTLY_PAID: _l("部分付款"),
    lifecycle.FAILED: _l("计算失败"),
    lifecycle.CANCELLED: _l("已取消"),
}
assert set(BATCH_STATUS_LABELS) == set(lifecycle.STATUSES)
PAYOUT_STATUS_LABELS = {
    lifecycle.HELD: _l("暂缓（无收款账户）"),
    lifecycle.PENDING: _l("待付款"),
    lifecycle.PAID: _l("已付款"),
    lifecycle.FAILED: _l("付款失败"),
    lifecycle.CANCELLED: _l("已取消"),
}
assert set(PAYOUT_STATUS_LABELS) == set(lifecycle.PAYOUT_STATUSES)
PHASES = {
    "queued": (_l("排队等待计算"), 10),
    "claiming": (_l("正在认领到期佣金"), 40),
    "reserved": (_l("正在写入付款"), 85),
}
"""A computation's phases (jobs.compute_settlement_batch reports them) as the progress bar shows them."""
CUTOFF_FORMAT = "%Y-%m-%dT%H:%M"
CUTOFF_WORDS = {"cutoff_at.range": _l("截止时间不能晚于现在")}


class CutoffForm(Schema):
    """截止时间 as a datetime-local field sends it, read in Beijing time; empty: now (the API's cutoff_at)."""

    class Meta:
        unknown = EXCLUDE

    cutoff_at = fields.String(load_default="")

    @post_load
    def _instant(self, data: dict, **kwargs) -> dict:
        text = data["cutoff_at"].strip()
        if not text:
            return {"cutoff_at": None}
        try:
            naive = dt.datetime.strptime(text, CUTOFF_FORMAT)
        except ValueError:
            raise ValidationError({"cutoff_at": [str(_l("请按 年-月-日 时:分 填写截止时间"))]}) from None
        if naive.year < 2000:
            raise ValidationError({"cutoff_at": [str(_l("请按 年-月-日 时:分 填写截止时间"))]})
        return {"cutoff_at": naive.replace(tzinfo=BUSINESS_TZ)}


class BatchListArgs(PageArgs):
    """The list's filter: ?status= one of a batch's statuses (none: all)."""

    status = fields.String(load_default=None, validate=validate.OneOf(lifecycle.STATUSES))


class PayoutListArgs(PageArgs):
    """A batch's payouts' filter: ?status= one of a payout's statuses (none: all)."""

    status = fields.String(load_default=None, validate=validate.OneOf(lifecycle.PAYOUT_STATUSES))


CUTOFF_FORM, BATCH_ARGS, PAYOUT_ARGS = CutoffForm(), BatchListArgs(), PayoutListArgs()
DETAIL_PAGES = tuple(
    f"console.finance_batch{name}"
    for name in (
        "_new",
        "_preview",
        "_create",
        "",
        "_approve",
        "_cancel",
        "_release",
        "_pay",
        "_results",
        "_reconciliation",
    )
)
"""The pages under 结算批次 in the menu (each action's page, shown again with its refusal, among them)."""
menu_item(Role.FINANCE, "console.finance_batches", _l("结算批次"), order=20, pages=DETAIL_PAGES)


def _args(schema: Schema) -> dict:
    try:
        return parse_query(schema)
    except ValidationError:
        return schema.load({})  # a filter typed wrong shows the whole list rather than an error page


@bp.get("/finance/batches")
@console_page(Role.FINANCE)
def finance_batches() -> str:
    """结算批次: every batch newest first, or those of one status, a page at a time."""
    args = _args(BATCH_ARGS)
    # Columns rather than the entity: newest_first reads the last row's id from a mapping.
    columns = SettlementBatch.__table__.c  # type: ignore[attr-defined]
    query = batches.batches_query(args["status"]).order_by(None).with_only_columns(*columns)
    page = newest_first(get_session(), query, SettlementBatch.id, after=args["after"])
    return render_template("console/finance/batches.html", page=page, status=args["status"], labels=BATCH_STATUS_LABELS)


@bp.get("/finance/batches/new")
@console_page(Role.FINANCE)
def finance_batch_new() -> str:
    """新建批次: the cut-off, and what a batch with it would claim and pay once previewed."""
    return render_template("console/finance/batch_new.html", preview=None, errors={}, cutoff="")


@bp.post("/finance/batches/preview")
@console_page(Role.FINANCE)
def finance_batch_preview() -> tuple[str, int]:
    """预览: the dry run the API's preview is (computing.preview: computed for real, then rolled back)."""
    cutoff = _form_value("cutoff_at")
    try:
        form = parse_form(CUTOFF_FORM)
        computed = computing.preview(
            session=get_session(),
            cutoff_at=form["cutoff_at"],
            minimum_fen=int(current_app.config["SETTLEMENT_MIN_PAYOUT_FEN"]),
            actor=current_user_id(),
        )
    except ValidationError as refused:
        return _new_page(cutoff, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _new_page(cutoff, page_messages(refused, CUTOFF_WORDS), 422)
    return render_template("console/finance/batch_new.html", preview=computed, errors={}, cutoff=cutoff), 200


def _form_value(name: str) -> str:
    """A field as typed, to show it again beside its message."""
    return request.form.get(name, "")[:40]


def _new_page(cutoff: str, errors: dict, status: int) -> tuple[str, int]:
    return render_template("console/finance/batch_new.html", preview=None, errors=errors, cutoff=cutoff), status


@bp.post("/finance/batches")
@console_page(Role.FINANCE)
def finance_batch_create() -> BaseResponse | tuple[str, int]:
    """Create the batch (batches.create_batch, as the API does) for a worker to compute; go to its page."""
    cutoff = _form_value("cutoff_at")
    try:
        form = parse_form(CUTOFF_FORM)
        batch = batches.create_batch(session=get_session(), cutoff_at=form["cutoff_at"], created_by=current_user_id())
    except ValidationError as refused:
        return _new_page(cutoff, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _new_page(cutoff, page_messages(refused, CUTOFF_WORDS), 422)
    assert batch.id is not None  # committed
    jobs.enqueue_compute(batch.id)
    return redirect(url_for("console.finance_batch", batch_id=batch.id), 303)


def _progress(batch: SettlementBatch) -> dict | None:
    """The computation's phase while computing, or the payment while the rail pays: (label, percent) or None."""
    redis = redis_for(current_app.config["REDIS_URL"])
    if lifecycle.allowed("compute", batch.status):
        raw = redis.get(jobs.progress_key(batch.id))  # type: ignore[arg-type]
        phase = json.loads(raw)["phase"] if raw else "queued"
        label, percent = PHASES.get(phase, PHASES["queued"])
        return {"kind": "computing", "label": label, "percent": percent}
    if lifecycle.allowed("pay", batch.status) and redis.exists(jobs.paying_key(batch.id)):  # type: ignore[arg-type]
        return {"kind": "paying", "label": _l("正在通过付款通道付款"), "percent": None}
    return None


@bp.get("/finance/batches/<int:batch_id>")
@console_page(Role.FINANCE)
def finance_batch(batch_id: int) -> str:
    """A batch: its status and totals, its progress while a worker computes or pays it, the actions its status
    allows, and its payouts newest first (filtered by status)."""
    return batch_page(batch_id)


def batch_page(batch_id: int, *, message: str | None = None, errors: dict | None = None, status: int = 200):
    """The batch's page, with a refusal's message when an action was refused (finance_batch_actions.py).
    The payouts list pages by ?after= and filters by ?status=, as a plain link (no script needed)."""
    session = get_session()
    batch = batches.get_batch(session, batch_id)
    args = _args(PAYOUT_ARGS)
    payouts = newest_first(
        session, queries.batch_payouts_query(batch_id, args["status"]), queries.Payout.id, after=args["after"]
    )
    html = render_template(
        "console/finance/batch.html",
        batch=batch,
        progress=_progress(batch),
        payouts=payouts,
        payout_status=args["status"],
        labels=BATCH_STATUS_LABELS,
        payout_labels=PAYOUT_STATUS_LABELS,
        mask_account=mask_account,
        rail=payout_rail(current_app.config),
        allowed=lambda action: lifecycle.allowed(action, batch.status),
        message=message,
        errors=errors or {},
    )
    return (html, status) if status != 200 else html


@bp.get("/finance/batches/<int:batch_id>/progress")
@console_page(Role.FINANCE)
def finance_batch_progress(batch_id: int) -> Response | str:
    """The progress bar (htmx polls it): while computing or paying, its phase; after, the page reloads itself."""
    batch = batches.get_batch(get_session(), batch_id)
    progress = _progress(batch)
    if progress is None:
        return Response("", headers={"HX-Refresh": "true"})
    return render_template("console/finance/_batch_progress.html", batch=batch, progress=progress)
