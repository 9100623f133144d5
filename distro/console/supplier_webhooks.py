"""Webhook: the supplier's outbound webhook endpoints (register one with its URL and events; its signing secret is
shown once, as the API shows it) and each endpoint's delivery log, newest first, a page at a time.

Over the API's services (distro.outbound.services, as /api/v1/webhook-subscriptions uses them): an account sees
only its own endpoints and their deliveries; another's id in the address is a 404.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import Session, col

from distro.api import refuse_unstorable_text
from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PAGE_SIZE, Page, PageArgs
from distro.db import get_session
from distro.errors import Forbidden, NotFound
from distro.outbound import services
from distro.outbound.models import Delivery, Subscription
from distro.outbound.schemas import SubscriptionCreateSchema
from distro.pages import parse_query
from distro.suppliers.services import find_supplier_of, refuse_if_stopped

menu_item(
    Role.SUPPLIER,
    "console.supplier_webhooks",
    _l("Webhook"),
    order=70,
    pages=("console.supplier_deliveries", "console.supplier_webhook_create"),
)

EVENT_NAMES = {
    "commission.accrued": _l("佣金入账"),
    "commission.reversed": _l("佣金冲回"),
    "order.attributed": _l("订单归属店铺"),
    "order.paid": _l("订单已付款（待发货）"),
    "payout.failed": _l("打款失败"),
    "payout.paid": _l("已打款"),
    "product.restored": _l("商品恢复上架"),
    "product.taken_down": _l("商品被下架"),
    "tier.changed": _l("店主等级变化"),
}
"""Each outbound event type (distro.outbound.services.OUTBOUND_EVENT_TYPES) in the page's words."""
assert set(EVENT_NAMES) == set(services.OUTBOUND_EVENT_TYPES), "every event type needs its Chinese name"
DELIVERY_STATUS = {"pending": _l("待重试"), "delivered": _l("已送达"), "dead": _l("已放弃")}
"""A delivery's status (distro.outbound.models.Delivery.status) in the page's words."""
FIELD_WORDS = {
    "url": _l("请填写以 http:// 或 https:// 开头的网址（最多500个字符）"),
    "event_types": _l("请至少选择一个事件"),
}
"""What a field broken by the API's SubscriptionCreateSchema says on the page."""
CREATE_SCHEMA = SubscriptionCreateSchema()


class DeliveryArgs(Schema):
    """?after=<delivery id>: the page of the log after the last delivery shown."""

    class Meta:
        unknown = EXCLUDE

    after = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


def _endpoints(session: Session, user_id: int, after: int | None) -> Page:
    """A page of the account's endpoints, newest first (keyset by id).

    Not lists.newest_first: it reads a select of one whole table as several columns, and its rows as mappings."""
    query = services.own_subscriptions_query(user_id).order_by(None)
    if after is not None:
        query = query.where(col(Subscription.id) < after)
    rows = list(session.execute(query.order_by(col(Subscription.id).desc()).limit(PAGE_SIZE + 1)).scalars())
    shown = rows[:PAGE_SIZE]
    return Page(shown, shown[-1].id if len(rows) > PAGE_SIZE else None)


def _page_args(schema: Schema) -> dict[str, Any]:
    try:
        return parse_query(schema)
    except ValidationError as error:
        raise NotFound("No such page.") from error  # not an address the page makes


def _render_endpoints(*, errors: dict[str, list[str]] | None = None, typed: dict[str, Any] | None = None, **extra: Any):
    args = _page_args(PageArgs())
    session = get_session()
    page = _endpoints(session, current_user_id(), args["after"])
    return render_template(
        "console/supplier/webhooks.html",
        page=page,
        events=EVENT_NAMES,
        errors=errors or {},
        typed=typed or {"url": "", "event_types": []},
        **extra,
    )


@bp.get("/supplier/webhooks", endpoint="supplier_webhooks")
@console_page(Role.SUPPLIER)
def webhooks() -> str:
    """Webhook: the account's endpoints, newest first, and the form registering another."""
    return _render_endpoints()


@bp.post("/supplier/webhooks", endpoint="supplier_webhook_create")
@console_page(Role.SUPPLIER)
def create() -> Any:
    """Register an endpoint for the supplier's events; the page then shows its secret, this once only."""
    session = get_session()
    supplier = find_supplier_of(session, current_user_id())
    if supplier is None:
        raise Forbidden("Apply as a supplier before subscribing to events.")
    refuse_if_stopped(supplier)
    typed = {"url": request.form.get("url", "").strip(), "event_types": request.form.getlist("event_types")}
    try:
        refuse_unstorable_text(typed, "请勿输入特殊字符")
        data = CREATE_SCHEMA.load(typed)
    except ValidationError as refused:
        errors = {str(name): [str(FIELD_WORDS[str(name)])] for name in refused.normalized_messages()}
        return _render_endpoints(errors=errors, typed=typed), 422
    created = services.create_subscription(session=session, user_id=current_user_id(), supplier_id=supplier.id, **data)
    return _render_endpoints(created=created), 201


def _deliveries_page(session: Session, query: sa.Select, after: str | None) -> Page:
    """A page of the log, newest first by (created_at, id): after names the last delivery shown."""
    query = query.order_by(None)
    if after is not None:
        at = session.execute(sa.select(col(Delivery.created_at)).where(col(Delivery.id) == after)).scalar_one_or_none()
        if at is not None:
            query = query.where(
                sa.tuple_(col(Delivery.created_at), col(Delivery.id)) < sa.tuple_(sa.literal(at), sa.literal(after))
            )
    rows = list(
        session.execute(
            query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(PAGE_SIZE + 1)
        ).scalars()
    )
    shown = rows[:PAGE_SIZE]
    return Page(shown, shown[-1].id if len(rows) > PAGE_SIZE else None)


@bp.get("/supplier/webhooks/<int:subscription_id>/deliveries", endpoint="supplier_deliveries")
@console_page(Role.SUPPLIER)
def deliveries(subscription_id: int) -> str:
    """One endpoint's delivery log: each event, its status, attempts and the endpoint's last answer."""
    args = _page_args(DeliveryArgs())
    session = get_session()
    query = services.deliveries_query(session, current_user_id(), subscription_id)  # NotFound for another's
    endpoint = services.get_own_subscription(session, current_user_id(), subscription_id)
    return render_template(
        "console/supplier/webhooks_deliveries.html",
        endpoint=endpoint,
        page=_deliveries_page(session, query, args["after"]),
        events=EVENT_NAMES,
        statuses=DELIVERY_STATUS,
    )
