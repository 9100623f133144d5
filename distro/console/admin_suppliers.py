"""平台管理 › 供货商审核 and 供货商: admins approve or reject applications, and suspend, reinstate or remove a supplier
after seeing what it touches (distro.suppliers.services.decide, as the API decides)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import CONFLICT, OWN_ACCOUNT, SEARCH_FORM, SUPPLIER_STATUSES, ReasonForm, blank_is_none
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.console.supplier_forms import DOCUMENT_KIND_NAMES
from distro.db import get_session
from distro.errors import Conflict, Forbidden, NotFound, ValidationFailed
from distro.pages import form_messages, page_messages, parse_form, parse_query
from distro.suppliers import admin_queries, documents, services
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction, SupplierStatus

menu_item(Role.ADMIN, "console.admin_applications", _l("供货商审核"), order=10)
menu_item(
    Role.ADMIN,
    "console.admin_suppliers",
    _l("供货商"),
    order=20,
    pages=("console.admin_supplier", "console.admin_supplier_confirm", "console.admin_deposit"),
)

STOPPING = {
    SupplierAction.SUSPEND.value: _l("暂停"),
    SupplierAction.REINSTATE.value: _l("恢复"),
    SupplierAction.REMOVE.value: _l("清退"),
}
"""The decisions on an approved (or stopped) supplier that take its products out of every shop or bring them back."""
DONE = {
    "approve": _l("已通过申请。"),
    "reject": _l("已拒绝申请，理由已告知供货商。"),
    "suspend": _l("已暂停该供货商：其商品已离开货源池和所有店铺。"),
    "reinstate": _l("已恢复该供货商：其商品已回到货源池和店铺。"),
    "remove": _l("已清退该供货商。"),
}
WORDS = {"required": _l("请填写理由")}
"""The decision service's refusals in the pages' words."""


def _decide(supplier_id: int, action: SupplierAction, reason: str | None) -> None:
    services.decide(
        session=get_session(), supplier_id=supplier_id, action=action, reason=reason, admin_id=current_user_id()
    )


def _applications(errors: dict[int, dict], status: int = 200, refusal: str | None = None) -> tuple[str, int]:
    try:
        after = PageArgs().load(blank_is_none(request.args.to_dict()))["after"]
    except ValidationError:
        after = None
    page = newest_first(
        get_session(),
        admin_queries.search_query(SupplierStatus.APPLIED.value, None),
        col(Supplier.id),
        after=after,
    )
    papers = documents.documents_by_supplier(get_session(), [supplier.id for supplier in page.rows])
    return render_template(
        "console/admin/supplier_applications.html",
        page=page,
        papers=papers,
        kind_names=DOCUMENT_KIND_NAMES,
        errors=errors,
        refusal=refusal,
        done=DONE.get(request.args.get("done", "")),
    ), status


@bp.get("/admin/applications")
@console_page(Role.ADMIN)
def admin_applications() -> tuple[str, int]:
    """供货商审核: the applications waiting for a decision, each with its qualifications."""
    return _applications({})


@bp.post("/admin/applications/<int:supplier_id>/approve")
@console_page(Role.ADMIN)
def admin_approve_supplier(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Approve an application: the supplier may list products in the pool."""
    try:
        _decide(supplier_id, SupplierAction.APPROVE, None)
    except Conflict:
        return _applications({}, 409, str(CONFLICT))
    except Forbidden:
        return _applications({}, 403, str(OWN_ACCOUNT))
    return redirect(url_for("console.admin_applications", done="approve"), 303)


@bp.post("/admin/applications/<int:supplier_id>/reject")
@console_page(Role.ADMIN)
def admin_reject_supplier(supplier_id: int) -> BaseResponse | tuple[str, int]:
    """Reject an application with a reason (required: the supplier is told why, and may apply again)."""
    try:
        form = parse_form(ReasonForm())
        _decide(supplier_id, SupplierAction.REJECT, form["reason"])
    except ValidationError as refused:
        return _applications({supplier_id: form_messages(refused)}, 422)
    except ValidationFailed as refused:
        return _applications({supplier_id: page_messages(refused, WORDS)}, 422)
    except Conflict:
        return _applications({}, 409, str(CONFLICT))
    except Forbidden:
        return _applications({}, 403, str(OWN_ACCOUNT))
    return redirect(url_for("console.admin_applications", done="reject"), 303)


@bp.get("/admin/suppliers")
@console_page(Role.ADMIN)
def admin_suppliers() -> tuple[str, int]:
    """供货商: every supplier, newest first, by status and by a search of the company name (or its id)."""
    try:
        args = parse_query(SEARCH_FORM)
        if args["status"] is not None and args["status"] not in SUPPLIER_STATUSES:
            raise ValidationError(str(_l("请选择状态")), "status")
    except ValidationError as refused:
        return render_template("console/admin/suppliers.html", page=None, args={}, errors=form_messages(refused)), 422
    q = args["q"].strip() if args["q"] else None
    page = newest_first(
        get_session(),
        admin_queries.search_query(args["status"], q),
        col(Supplier.id),
        after=args["after"],
    )
    return render_template("console/admin/suppliers.html", page=page, args=args, errors={}), 200


@bp.get("/admin/suppliers/<int:supplier_id>")
@console_page(Role.ADMIN)
def admin_supplier(supplier_id: int) -> str:
    """A supplier's page: its qualifications, its standing, and the decisions open to it."""
    supplier = admin_queries.get_supplier(get_session(), supplier_id)
    return render_template(
        "console/admin/supplier.html",
        supplier=supplier,
        effect=admin_queries.decision_effect(get_session(), supplier_id),
        done=DONE.get(request.args.get("done", "")),
    )


def _confirm_page(supplier_id: int, action: str, errors: dict, status: int = 200, refusal=None) -> tuple[str, int]:
    if action not in STOPPING:
        raise NotFound(f"No decision {action}.")
    supplier = admin_queries.get_supplier(get_session(), supplier_id)
    return render_template(
        "console/admin/supplier_confirm.html",
        supplier=supplier,
        action=action,
        verb=STOPPING[action],
        effect=admin_queries.decision_effect(get_session(), supplier_id),
        errors=errors,
        refusal=refusal,
    ), status


@bp.get("/admin/suppliers/<int:supplier_id>/<action>")
@console_page(Role.ADMIN)
def admin_supplier_confirm(supplier_id: int, action: str) -> tuple[str, int]:
    """Before suspending, reinstating or removing: how many products and shops it touches, and the reason asked."""
    return _confirm_page(supplier_id, action, {})


@bp.post("/admin/suppliers/<int:supplier_id>/<action>")
@console_page(Role.ADMIN)
def admin_supplier_decide(supplier_id: int, action: str) -> BaseResponse | tuple[str, int]:
    """Suspend, reinstate or remove the supplier, with the reason given (reinstating needs one too: it is audited)."""
    if action not in STOPPING:
        raise NotFound(f"No decision {action}.")
    try:
        form = parse_form(ReasonForm())
        _decide(supplier_id, SupplierAction(action), form["reason"])
    except ValidationError as refused:
        return _confirm_page(supplier_id, action, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _confirm_page(supplier_id, action, page_messages(refused, WORDS), 422)
    except Conflict:
        return _confirm_page(supplier_id, action, {}, 409, CONFLICT)
    except Forbidden:
        return _confirm_page(supplier_id, action, {}, 403, OWN_ACCOUNT)
    return redirect(url_for("console.admin_supplier", supplier_id=supplier_id, done=action), 303)
