"""异常订单事件 (admin): order events set aside by commission processing, each with why, its payload, whether its
cause is fixed by now, and reprocessing (distro.commission.services.reprocess_event, the API's own service)."""

from __future__ import annotations

import json

from flask import current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.commission import services
from distro.commission.engine import Rules
from distro.commission.policy import CommissionPolicy
from distro.console import admin_events_queries as queries
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.errors import Conflict, NotFound
from distro.pages import parse_query, wants_fragment
from distro.tiers.context import request_tiers

menu_item(Role.ADMIN, "console.admin_events", _l("异常订单事件"), order=70)


class EventPageArgs(Schema):
    """?after=<event id>: the page after the last event shown (event ids are the sender's webhook-ids, text)."""

    class Meta:
        unknown = EXCLUDE

    after = fields.String(load_default=None, validate=validate.Length(min=1, max=255))


EVENT_ARGS = EventPageArgs()


@bp.app_template_filter("pretty_json")
def pretty_json(value: object) -> str:
    """A JSON document as an admin reads it (an event's payload here, an audit entry's before and after): indented,
    Chinese as it is (the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@bp.get("/admin/order-events")
@console_page(Role.ADMIN)
def admin_events() -> str:
    """异常订单事件: quarantined events, newest first, a page at a time; a page after no event is not there (404)."""
    try:
        after = parse_query(EVENT_ARGS)["after"]
    except ValidationError as refused:
        raise NotFound("No such page of quarantined events.") from refused
    page = queries.quarantined_page(get_session(), after=after)
    return render_template("console/admin/events.html", page=page)


@bp.post("/admin/order-events/<string:event_id>/reprocess")
@console_page(Role.ADMIN)
def admin_reprocess_event(event_id: str) -> BaseResponse | str:
    """Reprocess one quarantined event; htmx gets its row back with the outcome, a plain form the list again."""
    session = get_session()
    rules = Rules(request_tiers(), CommissionPolicy.from_settings(current_app.config))
    refused = None
    try:
        services.reprocess_event(session=session, event_id=event_id, rules=rules)
    except Conflict:
        session.rollback()
        refused = _l("这个事件已不在隔离中（可能已被重新处理）。")
    if not wants_fragment():
        return redirect(url_for("console.admin_events"), code=303)
    found = queries.one_quarantined(session, event_id)
    if found is None:
        raise NotFound(f"No order event {event_id!r}.")
    event, causes = found
    return render_template(
        "console/admin/event_row.html", event=event, causes=causes, refused=refused, reprocessed=True
    )
