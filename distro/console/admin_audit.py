"""审计日志 (admin): who did what to which record, searched by actor, object, action and time range, newest first,
a page at a time (distro/console/admin_audit_queries.py; fast over a million entries, bench/bench_console_audit.py)."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from distro.auth.models import Role
from distro.console import admin_audit_queries as queries
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.pages import form_messages, parse_query

menu_item(Role.ADMIN, "console.admin_audit", _l("审计日志"), order=80)

NOT_AN_ID = _l("应是正整数")
NOT_A_DAY = _l("请按 年-月-日 填写日期")


def _an_id() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**63 - 1, error=NOT_AN_ID),
        error_messages={"invalid": NOT_AN_ID},
    )


class AuditSearchArgs(Schema):
    """The search form's query string (empty fields are left out), with ?after=<entry id> for the next page; every
    refusal in the page's words."""

    class Meta:
        unknown = EXCLUDE

    actor = fields.String(load_default=None, validate=validate.Length(max=254, error=_l("账户最多 254 个字符")))
    action = fields.String(load_default=None, validate=validate.Length(max=60, error=_l("操作最多 60 个字符")))
    subject_type = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[a-z_]{1,40}$", error=_l("对象类型只能是小写字母和下划线（最多 40 个）")),
    )
    subject_id = _an_id()
    since = fields.Date(load_default=None, error_messages={"invalid": NOT_A_DAY})
    until = fields.Date(load_default=None, error_messages={"invalid": NOT_A_DAY})
    after = _an_id()

    @pre_load
    def _typed(self, data: dict, **_: object) -> dict:
        return {name: value.strip() for name, value in data.items() if value.strip()}

    @validates_schema
    def _consistent(self, data: dict, **_: object) -> None:
        if data["since"] and data["until"] and data["since"] > data["until"]:
            raise ValidationError(_l("结束日期不能早于开始日期"), "until")
        if data["subject_id"] is not None and data["subject_type"] is None:
            raise ValidationError(_l("按对象编号查找时请同时填写对象类型"), "subject_type")


SEARCH = AuditSearchArgs()


@bp.get("/admin/audit")
@console_page(Role.ADMIN)
def admin_audit() -> tuple[str, int] | str:
    """审计日志: the search form and a page of the entries it finds, newest first."""
    session = get_session()
    try:
        args = parse_query(SEARCH)
    except ValidationError as refused:
        return _render(errors=form_messages(refused), page=None), 400
    actor_id = None
    if args["actor"] is not None:
        actor_id = queries.actor_id_of(session, args["actor"])
        if actor_id is None:
            return _render(errors={"actor": [str(_l("找不到这个账户"))]}, page=None), 400
    search = queries.AuditSearch(
        actor_id=actor_id,
        action=args["action"],
        subject_type=args["subject_type"],
        subject_id=args["subject_id"],
        since=args["since"],
        until=args["until"],
    )
    page = queries.search_page(session, search, after=args["after"])
    filters = {name: value for name, value in args.items() if name != "after" and value is not None}
    return _render(errors={}, page=page, filters=_as_text(filters))


def _as_text(filters: dict) -> dict[str, str]:
    return {name: value.isoformat() if isinstance(value, dt.date) else str(value) for name, value in filters.items()}


def _render(*, errors: dict, page: queries.AuditPage | None, filters: dict | None = None) -> str:
    typed = filters if filters is not None else {name: value for name, value in request.args.items() if name != "after"}
    return render_template("console/admin/audit.html", errors=errors, page=page, typed=typed)
