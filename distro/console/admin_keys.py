"""API 密钥 (admin): the API clients integrations sign in with, making one (its secret shown once) and revoking one.

The rules are the client-credentials grant's own (distro/auth/clients.py); this module parses the forms and shows.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth import clients
from distro.auth.client_models import ApiClient
from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.pages import form_messages, page_messages, parse_form, query_or_defaults

ROLE_NAMES = {
    Role.SUPPLIER.value: _l("供货商"),
    Role.FINANCE.value: _l("财务"),
    Role.ADMIN.value: _l("平台管理员"),
}
"""What each role a client may have is called on the page."""

AREA_NAMES = {
    "products": _l("商品：供货商资料、商品、SKU、佣金率，以及平台对它们的审核"),
    "orders": _l("订单：订单、售后、每笔订单的佣金，以及平台的订单事件"),
    "shipments": _l("发货：待发货清单与发货"),
    "settlement": _l("结算：结算批次、打款、对账、导出、月度报表与账本"),
    "webhooks": _l("推送：推送订阅与投递记录"),
    "shops": _l("小铺：小铺审核、等级规则与评定"),
    "accounts": _l("账号：本账号与平台的账号管理"),
}
"""What each area of the API a scope names covers, on the page (clients.AREAS)."""

WORDS = {
    "name.required": _l("请填写名称"),
    "role.one_of": _l("请选择角色"),
    "scopes.required": _l("请至少选择一项权限"),
    "scopes.one_of": _l("请只选择列出的权限"),
    "account.unknown": _l("没有使用这个邮箱的账号"),
    "account.inactive": _l("这个账号已停用"),
    "account.role": _l("这个账号没有所选的角色"),
}
"""The page's words for each rule the service's refusal names (field.rule)."""

FORM_MESSAGES = {
    "name": _l("请填写名称（最多 80 字）"),
    "role": _l("请选择角色"),
    "account": _l("请填写账号的邮箱"),
}

menu_item(
    Role.ADMIN,
    "console.admin_keys",
    _l("API 密钥"),
    order=110,
    pages=("console.new_key", "console.create_key", "console.revoke_key", "console.confirm_revoke_key"),
)


class KeyFormSchema(Schema):
    """The form making a client: its name, role and the account it acts as (the scopes are checkboxes, read
    apart as a list)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf([role.value for role in clients.CLIENT_ROLES]))
    account = fields.Email(required=True, validate=validate.Length(max=254))

    @pre_load
    def _typed(self, data: dict, **_: object) -> dict:
        return {name: value.strip() for name, value in data.items() if isinstance(value, str) and value.strip()}

    def handle_error(self, error: ValidationError, data: object, *, many: bool, **kwargs: object) -> None:
        raise ValidationError(
            {name: [str(FORM_MESSAGES.get(str(name), WORDS["role.one_of"]))] for name in error.messages_dict}
        )


KEY_FORM = KeyFormSchema()


def _form_page(form: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    return render_template(
        "console/admin/keys_new.html",
        form=form,
        errors=errors,
        roles=ROLE_NAMES,
        areas=[(area, AREA_NAMES[area]) for area in clients.AREAS],
    ), status


@bp.get("/admin/keys")
@console_page(Role.ADMIN)
def admin_keys() -> tuple[str, int]:
    """API 密钥: every client, newest first, with its role, scope, account, when made and last used, and revoked."""
    args, refused = query_or_defaults(PageArgs())
    page = newest_first(get_session(), clients.clients_query(), ApiClient.id, after=args["after"])
    return render_template("console/admin/keys.html", page=page, roles=ROLE_NAMES, refused=refused), (
        422 if refused else 200
    )


@bp.get("/admin/keys/new")
@console_page(Role.ADMIN)
def new_key() -> tuple[str, int]:
    """The form making a client."""
    return _form_page({"role": Role.SUPPLIER.value, "scopes": []}, {})


@bp.post("/admin/keys/new")
@console_page(Role.ADMIN)
def create_key() -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    """Make a client and show its secret, this once (the answer is not kept by the browser); the form again with
    what to fix."""
    typed: dict[str, object] = {name: request.form.get(name, "") for name in ("name", "role", "account")}
    typed["scopes"] = request.form.getlist("scopes")
    try:
        values = parse_form(KEY_FORM)
    except ValidationError as error:
        return _form_page(typed, form_messages(error), 422)
    try:
        made = clients.create_client(
            session=get_session(),
            name=values["name"],
            role=Role(values["role"]),
            scopes=request.form.getlist("scopes"),
            account_email=values["account"],
            admin_id=current_user_id(),
        )
    except ValidationFailed as refused:
        return _form_page(typed, page_messages(refused, WORDS), 422)
    page = render_template("console/admin/keys_created.html", client=made.client, secret=made.secret, roles=ROLE_NAMES)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/admin/keys/<int:client_id>/revoke")
@console_page(Role.ADMIN)
def revoke_key(client_id: int) -> str:
    """Ask before revoking a client: its integration stops at once."""
    client = clients.get_client(get_session(), client_id)
    return render_template("console/admin/keys_revoke.html", client=client, roles=ROLE_NAMES)


@bp.post("/admin/keys/<int:client_id>/revoke")
@console_page(Role.ADMIN)
def confirm_revoke_key(client_id: int) -> BaseResponse:
    """Revoke a client and go back to the list."""
    clients.revoke_client(session=get_session(), client_id=client_id, admin_id=current_user_id())
    return redirect(url_for("console.admin_keys"), 303)
