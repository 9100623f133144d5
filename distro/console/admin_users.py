"""平台管理 › 用户: every account, by role, standing and a search; set its roles, deactivate or reactivate it, let
an owner open more shops (distro.auth.services.set_roles, distro.auth.standing, distro.shops.services, as the API)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth import services, standing
from distro.auth.models import Role, User
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import REASON_MAX_LENGTH, ROLES, ReasonForm, as_id, blank_is_none
from distro.console.blueprint import bp, menu_item
from distro.console.lists import newest_first
from distro.db import get_session
from distro.errors import Forbidden, NotFound, ValidationFailed
from distro.pages import form_messages, page_messages, parse_form, parse_query
from distro.phones import normalise_phone, phone_reference
from distro.shops.models import Shop
from distro.shops.services import set_shop_allowance

menu_item(Role.ADMIN, "console.admin_users", _l("用户"), order=40, pages=("console.admin_user",))

DONE = {
    "roles": _l("角色已更新，该账户下一次请求起生效。"),
    "deactivate": _l("已停用该账户：它的所有登录已立即失效。"),
    "reactivate": _l("已恢复该账户，它需要重新登录。"),
    "allowance": _l("已更新可开店铺数。"),
}
ROLE_WORDS = {
    "roles.required": _l("至少保留一个角色"),
    "roles.self_demotion": _l("不能移除你自己的管理员角色"),
}
"""set_roles' refusals in the page's words."""
SELF = _l("不能停用或恢复你自己的账户。")


class UserSearchForm(Schema):
    """The accounts list's filters: a role, active or not, a search of email, name, id or phone; the page."""

    class Meta:
        unknown = EXCLUDE

    role = fields.String(load_default=None, validate=validate.OneOf(list(ROLES), error=_l("请选择角色")))
    active = fields.String(load_default=None, validate=validate.OneOf(["yes", "no"], error=_l("请选择状态")))
    q = fields.String(load_default=None, validate=validate.Length(max=60, error=_l("搜索词最多 60 字")))
    after = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))

    @pre_load
    def _blank_is_none(self, data: dict, **_: object) -> dict:
        return blank_is_none(data)


USER_SEARCH = UserSearchForm()


class RolesForm(Schema):
    """Why the roles change (optional, as the API's UserRolesSchema; kept in the audit log). The roles are the
    form's checked boxes, read as a list."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(
        load_default=None,
        validate=validate.Length(max=REASON_MAX_LENGTH, error=_l("理由最多 %(count)s 字", count=REASON_MAX_LENGTH)),
    )


class AllowanceForm(Schema):
    """How many shops an owner with a proven record may open (the API's AllowanceSchema's range)."""

    class Meta:
        unknown = EXCLUDE

    max_shops = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=100, error=_l("请填写 0 到 100 之间的整数")),
        error_messages={"required": _l("请填写店铺数"), "invalid": _l("请填写 0 到 100 之间的整数")},
    )


def _search_query(args: dict) -> sa.Select:
    """The API's list of accounts, by role, standing and a search of email, display name, id or phone number."""
    query = services.list_users_query().order_by(None)
    if args["role"]:
        query = query.where(col(User.roles).contains([args["role"]]))
    if args["active"]:
        query = query.where(col(User.is_active).is_(args["active"] == "yes"))
    text = args["q"].strip() if args["q"] else ""
    phone = normalise_phone(text)
    if phone:
        # Phones are kept only as keyed references: the one typed is looked up by its own (the unique index).
        by_phone = col(User.phone_reference) == phone_reference(phone, str(current_app.config["SECRET_KEY"]))
        return query.where(sa.or_(by_phone, col(User.id) == as_id(text)) if as_id(text) else by_phone)
    if text:
        matches = sa.or_(
            col(User.email).icontains(text, autoescape=True), col(User.display_name).icontains(text, autoescape=True)
        )
        query = query.where(sa.or_(matches, col(User.id) == as_id(text)) if as_id(text) else matches)
    return query


@bp.get("/admin/users")
@console_page(Role.ADMIN)
def admin_users() -> tuple[str, int]:
    """用户: every account, newest first, by role, standing and a search."""
    try:
        args = parse_query(USER_SEARCH)
    except ValidationError as refused:
        return render_template("console/admin/users.html", page=None, args={}, errors=form_messages(refused)), 422
    page = newest_first(get_session(), _search_query(args), col(User.id), after=args["after"])
    return render_template("console/admin/users.html", page=page, args=args, errors={}), 200


def _user_page(user_id: int, errors: dict, status: int = 200, refusal=None) -> tuple[str, int]:
    user = services.get_user(get_session(), user_id)
    shops = get_session().execute(sa.select(Shop).where(col(Shop.owner_id) == user_id).order_by(col(Shop.id)).limit(20))
    return render_template(
        "console/admin/user.html",
        user=user,
        shops=list(shops.scalars()),
        myself=user_id == current_user_id(),
        errors=errors,
        refusal=refusal,
        done=DONE.get(request.args.get("done", "")),
    ), status


@bp.get("/admin/users/<int:user_id>")
@console_page(Role.ADMIN)
def admin_user(user_id: int) -> tuple[str, int]:
    """An account's page: its roles, standing, shops, and the powers over it."""
    return _user_page(user_id, {})


@bp.post("/admin/users/<int:user_id>/roles")
@console_page(Role.ADMIN)
def admin_user_roles(user_id: int) -> BaseResponse | tuple[str, int]:
    """Replace the account's roles (an admin cannot take away its own admin role)."""
    chosen = request.form.getlist("roles")
    try:
        reason = parse_form(RolesForm())["reason"]
        roles = {Role(value) for value in chosen if value in ROLES}
        services.set_roles(
            session=get_session(),
            user_id=user_id,
            roles=roles,
            acting_user_id=current_user_id(),
            reason=(reason or "").strip() or None,
        )
    except ValidationError as refused:
        return _user_page(user_id, {"roles": form_messages(refused)}, 422)
    except ValidationFailed as refused:
        return _user_page(user_id, {"roles": page_messages(refused, ROLE_WORDS)}, 422)
    return redirect(url_for("console.admin_user", user_id=user_id, done="roles"), 303)


@bp.post("/admin/users/<int:user_id>/<action>")
@console_page(Role.ADMIN)
def admin_user_standing(user_id: int, action: str) -> BaseResponse | tuple[str, int]:
    """Deactivate (signed out everywhere at once) or reactivate the account, with a reason."""
    if action not in ("deactivate", "reactivate"):
        raise NotFound(f"No action {action}.")
    change = standing.deactivate if action == "deactivate" else standing.reactivate
    try:
        form = parse_form(ReasonForm())
        change(session=get_session(), user_id=user_id, reason=form["reason"], admin_id=current_user_id())
    except ValidationError as refused:
        return _user_page(user_id, {action: form_messages(refused)}, 422)
    except Forbidden:
        return _user_page(user_id, {}, 403, SELF)
    return redirect(url_for("console.admin_user", user_id=user_id, done=action), 303)


@bp.post("/admin/users/<int:user_id>/shop-allowance")
@console_page(Role.ADMIN)
def admin_user_allowance(user_id: int) -> BaseResponse | tuple[str, int]:
    """Let an owner with a proven record open more shops (or fewer)."""
    try:
        form = parse_form(AllowanceForm())
        set_shop_allowance(
            session=get_session(), user_id=user_id, max_shops=form["max_shops"], admin_id=current_user_id()
        )
    except ValidationError as refused:
        return _user_page(user_id, {"allowance": form_messages(refused)}, 422)
    return redirect(url_for("console.admin_user", user_id=user_id, done="allowance"), 303)
