"""推送记录 (admin): every subscription's outbound webhook deliveries, with their attempts, last answer and next try,
filtered by status or subscription (distro/console/admin_deliveries_queries.py)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from distro.auth.models import Role
from distro.console import admin_deliveries_queries as queries
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.pages import form_messages, parse_query

menu_item(Role.ADMIN, "console.admin_deliveries", _l("推送记录"), order=90)

STATUS_LABELS = {"pending": _l("待重试"), "delivered": _l("已送达"), "dead": _l("已放弃")}
"""The page's word for each delivery status."""


class DeliveryFilterArgs(Schema):
    """?status=&subscription=&after=<delivery id>; empty fields are left out; refusals in the page's words."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(queries.STATUSES, error=_l("请选择一个状态")))
    subscription = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**63 - 1, error=_l("请选择一个订阅")),
        error_messages={"invalid": _l("请选择一个订阅")},
    )
    after = fields.String(load_default=None, validate=validate.Length(min=1, max=40))

    @pre_load
    def _typed(self, data: dict, **_: object) -> dict:
        return {name: value.strip() for name, value in data.items() if value.strip()}


FILTERS = DeliveryFilterArgs()


@bp.get("/admin/deliveries")
@console_page(Role.ADMIN)
def admin_deliveries() -> tuple[str, int] | str:
    """推送记录: deliveries newest first, a page at a time."""
    session = get_session()
    choices = queries.subscriptions(session)
    try:
        args = parse_query(FILTERS)
    except ValidationError as refused:
        typed = {name: value for name, value in request.args.items() if name != "after"}
        return _render(choices, errors=form_messages(refused), page=None, typed=typed), 400
    page = queries.deliveries_page(
        session, status=args["status"], subscription_id=args["subscription"], after=args["after"]
    )
    typed = {name: str(value) for name, value in args.items() if name != "after" and value is not None}
    return _render(choices, errors={}, page=page, typed=typed)


def _render(choices: list, *, errors: dict, page: queries.DeliveryPage | None, typed: dict) -> str:
    return render_template(
        "console/admin/deliveries.html",
        subscriptions=choices,
        statuses=STATUS_LABELS,
        errors=errors,
        page=page,
        typed=typed,
    )
