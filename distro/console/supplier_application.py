"""资质申请: a supplier applies (or reapplies after a rejection) with the qualifications the API asks and the papers
that prove them, then sees where the application stands and why; its papers open only to it and to admins."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.supplier_forms import (
    DOCUMENT_KIND_NAMES,
    STATUS_NAMES,
    ApplicationForm,
    application_refusals,
)
from distro.db import get_session
from distro.errors import Conflict, Forbidden, NotFound, ValidationFailed
from distro.money import to_yuan
from distro.pages import form_messages, page_messages, parse_form
from distro.suppliers import documents, services
from distro.suppliers.models import Supplier
from distro.suppliers.rules import MAY_APPLY_FROM, Qualification, QualificationPolicy, SupplierStatus

APPLICATION_FORM = ApplicationForm()

menu_item(Role.SUPPLIER, "console.supplier_application", _l("资质申请"), order=10)


def _policy() -> QualificationPolicy:
    return QualificationPolicy.from_settings(current_app.config)


def _typed_values(supplier: Supplier | None) -> dict[str, str]:
    """The form's fields as last sent: the supplier's application when there is one."""
    if supplier is None:
        return {"traceable_purchase_record": "no"}
    return {
        "company_name": supplier.company_name,
        "registered_capital_fen": to_yuan(supplier.registered_capital_fen),
        "general_vat_taxpayer": "yes" if supplier.general_vat_taxpayer else "no",
        "deposit_paid_fen": to_yuan(supplier.deposit_paid_fen),
        "brand_chain_depth": "" if supplier.brand_chain_depth is None else str(supplier.brand_chain_depth),
        "traceable_purchase_record": "yes" if supplier.traceable_purchase_record else "no",
    }


def _page(values: dict[str, str], errors: dict, status: int = 200) -> tuple[str, int]:
    session = get_session()
    supplier = services.find_supplier_of(session, current_user_id())
    may_apply = (SupplierStatus(supplier.status) if supplier else None) in MAY_APPLY_FROM
    return (
        render_template(
            "console/supplier/application.html",
            supplier=supplier,
            papers=documents.documents_of(session, supplier.id) if supplier and supplier.id else [],
            may_apply=may_apply,
            values=values,
            errors=errors,
            policy=_policy(),
            status_names=STATUS_NAMES,
            kind_names=DOCUMENT_KIND_NAMES,
            applied=request.args.get("applied"),
        ),
        status,
    )


@bp.get("/supplier/application")
@console_page(Role.SUPPLIER)
def supplier_application() -> tuple[str, int]:
    """资质申请: where the application stands (and the admin's reason), its papers, and the form while one may apply."""
    return _page(_typed_values(services.find_supplier_of(get_session(), current_user_id())), {})


def _uploads(kind: documents.DocumentKind) -> list[documents.Upload]:
    return [
        documents.Upload(upload.filename or "", upload.read())
        for upload in request.files.getlist(kind.value)
        if upload.filename
    ]


@bp.post("/supplier/application")
@console_page(Role.SUPPLIER)
def apply_as_supplier() -> BaseResponse | tuple[str, int]:
    """Apply with the papers (distro.suppliers.documents.apply_with_documents, over the API's apply); a refusal
    names each field it concerns, in Chinese, and nothing is saved."""
    values = {name: value for name, value in request.form.items() if name != "csrf_token"}
    try:
        form = parse_form(APPLICATION_FORM)
        company_name = form.pop("company_name")
        documents.apply_with_documents(
            session=get_session(),
            user_id=current_user_id(),
            company_name=company_name,
            qualification=Qualification(**form),
            policy=_policy(),
            uploads={kind: _uploads(kind) for kind in documents.DocumentKind},
            directory=documents.documents_dir(current_app.config),
        )
    except ValidationError as refused:
        return _page(values, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _page(values, page_messages(refused, application_refusals(_policy())), 422)
    except Conflict:  # applied already, from a form left open in another tab
        return _page(values, {"form": [_("申请正在审核或已通过，不能重复提交。")]}, 409)
    return redirect(url_for("console.supplier_application", applied=1), 303)


@bp.get("/supplier/documents/<int:document_id>")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def supplier_document(document_id: int) -> BaseResponse:
    """One paper's file, for its own supplier or an admin only (anyone else: 404); never cached by a proxy."""
    roles = current_user.account.roles
    if Role.SUPPLIER.value not in roles and Role.ADMIN.value not in roles:
        raise Forbidden("The supplier or admin role is needed.")
    document, path = documents.readable_document(
        get_session(),
        document_id=document_id,
        user_id=current_user_id(),
        is_admin=Role.ADMIN.value in roles,
        directory=documents.documents_dir(current_app.config),
    )
    if not path.is_file():
        raise NotFound(f"The file of document {document_id} is missing.")
    response = send_file(path, mimetype=document.content_type, download_name=document.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A form whose files together pass MAX_CONTENT_LENGTH is refused before any view reads it (the CSRF check
    reads the form first): say so in Chinese, in the console's layout, rather than werkzeug's English page."""
    megabytes = int(current_app.config["MAX_CONTENT_LENGTH"]) // (1024 * 1024)
    message = _("一次上传的文件合计不能超过 %(mb)s MB，请分次上传或压缩后再试。", mb=megabytes)
    return render_template("console/refused.html", title=_("文件太大"), message=message), 413
