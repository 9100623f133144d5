"""售后 (after-sales): the buyers' refund and return requests on the supplier's orders, open ones oldest first, each
approved (the amount asked, or less) or refused with a reason.

Over the API's services (distro.storefront.fulfilment.after_sales_query and decide_after_sales, as
/api/v1/supplier/after-sales uses them): an approved refund reverses or claws back commission by the same rules as
any refund; another supplier's request is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import Session, col

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PAGE_SIZE, Page
from distro.console.supplier_shipping import STATUS_NAMES
from distro.db import get_session
from distro.errors import Conflict, ValidationFailed
from distro.owner.forms import Yuan
from distro.pages import form_messages, page_messages, parse_form, query_or_defaults
from distro.storefront import events, fulfilment
from distro.storefront.models import AfterSalesRequest
from distro.suppliers.services import require_approved_supplier, require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_after_sales", _l("售后"), order=45, pages=("console.supplier_decide",))

REQUEST_STATUS = {"requested": _l("待处理"), "approved": _l("已同意"), "refused": _l("已拒绝")}
"""An after-sales request's status (distro.storefront.models.AfterSalesRequest.status) in the page's words."""
KINDS = {"refund": _l("仅退款"), "return": _l("退货退款")}
"""What the buyer asks for (AfterSalesRequest.kind)."""
SERVICE_WORDS = {
    "amount_fen.range": _l("退款金额须大于0，且不超过订单还可退的金额"),
    "reason.required": _l("请填写拒绝理由"),
}
"""The decision service's refusals (field.rule) in the page's words."""
FORM_FIELDS = {"amount_fen": "amount"}
"""The service's field names as the form names them."""


class AfterSalesArgs(Schema):
    """?status= (requested: to decide, the default) and ?after=<id>: the list's filter and page."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="requested", validate=validate.OneOf(list(REQUEST_STATUS)))
    after = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))


class DecisionForm(Schema):
    """同意 (with the refund in yuan; empty: what the buyer asked) or 拒绝 (with a reason)."""

    class Meta:
        unknown = EXCLUDE

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    amount = Yuan(load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=200, error=_l("理由最多200字")))


def _requests_page(session: Session, supplier_id: int, args: dict[str, Any]) -> Page:
    """A page of the supplier's requests in a status, oldest first (keyset by id); rows map the request and order."""
    query = fulfilment.after_sales_query(supplier_id, args["status"]).order_by(None)
    if args["after"] is not None:
        query = query.where(col(AfterSalesRequest.id) > args["after"])
    rows = list(session.execute(query.order_by(col(AfterSalesRequest.id)).limit(PAGE_SIZE + 1)).mappings())
    shown = rows[:PAGE_SIZE]
    return Page(shown, shown[-1]["AfterSalesRequest"].id if len(rows) > PAGE_SIZE else None)


def _render(
    args: dict[str, Any],
    errors: dict[int, dict[str, list[str]]] | None = None,
    refused: dict[str, list[str]] | None = None,
) -> str:
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    return render_template(
        "console/supplier/shipping_after_sales.html",
        page=_requests_page(session, supplier.id, args),  # type: ignore[arg-type]
        args=args,
        statuses=REQUEST_STATUS,
        kinds=KINDS,
        order_labels=STATUS_NAMES,
        errors=errors or {},
        refused=refused or {},
    )


@bp.get("/supplier/after-sales", endpoint="supplier_after_sales")
@console_page(Role.SUPPLIER)
def after_sales() -> tuple[str, int]:
    """售后: the requests on the supplier's orders in one status (待处理 by default), a page at a time."""
    args, refused = query_or_defaults(AfterSalesArgs())
    return _render(args, refused=refused), 422 if refused else 200


@bp.post("/supplier/after-sales/<int:request_id>/decision", endpoint="supplier_decide")
@console_page(Role.SUPPLIER)
def decide(request_id: int) -> Any:
    """Approve a request (a refund of the amount typed, or of what was asked) or refuse it with a reason."""
    session = get_session()
    supplier = require_approved_supplier(session, current_user_id())
    refused: dict[str, list[str]]
    try:
        form = parse_form(DecisionForm())
        fulfilment.decide_after_sales(
            session=session,
            supplier_id=supplier.id,  # type: ignore[arg-type]
            supplier_user_id=current_user_id(),
            request_id=request_id,
            approve=form["decision"] == "approve",
            amount_fen=form["amount"],
            reason=(form["reason"] or "").strip() or None,
        )
    except ValidationError as error:
        refused = form_messages(error)
    except ValidationFailed as error:
        session.rollback()
        said = page_messages(error, SERVICE_WORDS)
        refused = {FORM_FIELDS.get(name, name): messages for name, messages in said.items()}
    except Conflict:
        session.rollback()
        refused = {"decision": [str(_l("这个申请已处理过了"))]}
    else:
        events.ask_for_processing(current_app.config)
        return redirect(url_for("console.supplier_after_sales"), 303)
    return _render(AfterSalesArgs().load({}), {request_id: refused}), 422
