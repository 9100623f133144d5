"""活动 (admin): every campaign, scheduling an hourly slot in one click, approving or rejecting suppliers'
proposals, cancelling; through distro.campaigns.services, as the API does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro import clock
from distro.auth.models import Role
from distro.campaigns import services
from distro.campaigns.models import Campaign
from distro.campaigns.rules import SLOT_HOURS, Action, Offer, slot
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import SEARCH_FORM, as_id
from distro.console.admin_products import matching_products
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.console.supplier_forms import Percent
from distro.db import get_session
from distro.errors import Conflict, ValidationFailed
from distro.money import format_cny, format_rate
from distro.owner.forms import Yuan
from distro.pages import form_messages, page_messages, parse_form, parse_query, query_or_defaults
from distro.suppliers.models import Product
from distro.suppliers.rules import RateBounds

menu_item(Role.ADMIN, "console.admin_campaigns", _l("活动"), order=45, pages=("console.admin_campaign",))

PHASE_NAMES = {
    "proposed": _l("待审核"),
    "scheduled": _l("已排期"),
    "running": _l("进行中"),
    "ended": _l("已结束"),
    "rejected": _l("未通过"),
    "cancelled": _l("已取消"),
}
"""Where a campaign stands (distro.campaigns.rules.Phase) as the consoles name it."""
REQUIRED = {"required": _l("必填")}


class SlotForm(Schema):
    """A campaign in one hourly slot on one product: the day and hour, the copy, the sale price and/or rate."""

    class Meta:
        unknown = EXCLUDE

    day = fields.Date(required=True, error_messages={**REQUIRED, "invalid": _l("请选择日期")})
    hour = fields.Integer(
        required=True,
        validate=validate.OneOf(SLOT_HOURS, error=_l("整点场次为 7 点至 22 点")),
        error_messages={**REQUIRED, "invalid": _l("请选择场次")},
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=60), error_messages=REQUIRED)
    text = fields.String(required=True, validate=validate.Length(min=1, max=500), error_messages=REQUIRED)
    product_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, error=_l("请选择商品")),
        error_messages={"required": _l("请选择商品"), "invalid": _l("请选择商品")},
    )
    sale_price_fen = Yuan(load_default=None)
    rate_bp = Percent(load_default=None)

    def load(self, data: Any, **kwargs: Any) -> Any:
        # An empty price or rate field means "unchanged", not a bad number.
        data = {key: value for key, value in dict(data).items() if value != ""}
        return super().load(data, **kwargs)

    @post_load
    def _as_campaign(self, data: dict, **_: Any) -> dict:
        starts_at, ends_at = slot(data["day"], data["hour"])
        return {
            "copy": {"title": data["title"], "text": data["text"], "starts_at": starts_at, "ends_at": ends_at},
            "offers": [Offer(data["product_id"], data["sale_price_fen"], data["rate_bp"])],
        }


def campaign_refusals(bounds: RateBounds) -> dict[str, object]:
    """The campaign services' refusals in the pages' words (see distro.campaigns.rules)."""
    return {
        "not_in_past": _l("不能排在已经过去的时间"),
        "end_after_start": _l("结束时间须晚于开始时间"),
        "overlap": _l("该商品在这个时间已有活动"),
        "offers_nothing": _l("请填写活动价或活动佣金"),
        "sale_above_price": _l("活动价不能高于商品售价"),
        "rate_floor": _l("佣金比例不能低于平台下限 %(rate)s", rate=format_rate(bounds.floor_bp)),
        "rate_cap": _l("佣金比例不能高于平台上限 %(rate)s", rate=format_rate(bounds.cap_bp)),
        "required": _l("必填"),
    }


def page_errors(refused: ValidationFailed, bounds: RateBounds) -> dict[str, list[str]]:
    """A refusal's messages on the form's fields (items.0.x → x, the times → hour)."""
    moved = {"starts_at": "hour", "ends_at": "hour", "items": "product_id", "items.0": "sale_price_fen"}
    errors: dict[str, list[str]] = {}
    for name, messages in page_messages(refused, campaign_refusals(bounds)).items():
        name = moved.get(name, name.removeprefix("items.0."))
        errors.setdefault(name, []).extend(messages)
    return errors


def bounds() -> RateBounds:
    return RateBounds.from_settings(current_app.config)


def listing(query, endpoint_args: dict | None = None):
    """A page of campaigns with where each stands and their products."""
    try:
        after = parse_query(PageArgs())["after"]
    except ValidationError:
        after = None
    session = get_session()
    page = newest_first(session, query, Campaign.id, after=after)
    items = services.items_of(session, [c.id for c in page.rows])
    now = clock.utcnow()
    phases = {c.id: services.campaign_phase(c, now).value for c in page.rows}
    return page, items, phases


PRODUCT_CHOICES = 8
"""How many products a search in the campaign form offers (newest first): enough to tell apart, short on a screen."""


def product_choices(text: str, chosen: int | None) -> list[Product]:
    """The products the campaign form offers: the one chosen (kept through a refusal), then a search's matches."""
    session = get_session()
    first = session.get(Product, chosen) if chosen else None
    found = [first] if first is not None else []
    if text:
        query = matching_products(text).order_by(col(Product.id).desc()).limit(PRODUCT_CHOICES)
        found += [product for product in session.scalars(query) if product.id != chosen]
    return found


def _list_page(form: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    page, items, phases = listing(services.campaigns_query())
    search = (form.get("q") or "").strip()
    chosen = as_id(str(form.get("product_id") or ""))
    return render_template(
        "console/admin/campaigns.html",
        page=page,
        items=items,
        phases=phases,
        phase_names=PHASE_NAMES,
        hours=SLOT_HOURS,
        form=form,
        errors=errors,
        bounds=bounds(),
        format_cny=format_cny,
        choices=product_choices(search, chosen),
        chosen=chosen,
        search=search,
    ), status


@bp.get("/admin/campaigns/products")
@console_page(Role.ADMIN)
def admin_campaign_products() -> tuple[str, int]:
    """The campaign form's product choices for a search, by title or id (htmx swaps them in as the admin types)."""
    args, refused = query_or_defaults(SEARCH_FORM)
    search = (args["q"] or "").strip()
    return render_template(
        "console/admin/_campaign_products.html",
        choices=product_choices(search, None),
        chosen=None,
        search=search,
        errors=refused,
    ), 422 if refused else 200


@bp.get("/admin/campaigns")
@console_page(Role.ADMIN)
def admin_campaigns() -> tuple[str, int]:
    """活动: every campaign newest first (proposals to decide among them) and the form to schedule a slot."""
    tomorrow = clock.utcnow().astimezone(clock.BUSINESS_TZ).date() + dt.timedelta(days=1)
    # The product search also works without script: its button reloads the page with ?q=.
    args, refused = query_or_defaults(SEARCH_FORM)
    return _list_page(
        {"day": tomorrow.isoformat(), "hour": "10", "q": args["q"] or ""}, refused, 422 if refused else 200
    )


@bp.post("/admin/campaigns")
@console_page(Role.ADMIN)
def admin_schedule_campaign() -> BaseResponse | tuple[str, int]:
    """Schedule a slot (distro.campaigns.services.schedule, as the API's POST /admin/campaigns)."""
    try:
        parsed = parse_form(SlotForm())
        services.schedule(session=get_session(), user_id=current_user_id(), bounds=bounds(), **parsed)
    except ValidationError as refused:
        return _list_page(request.form.to_dict(), form_messages(refused), 422)
    except ValidationFailed as refused:
        return _list_page(request.form.to_dict(), page_errors(refused, bounds()), 422)
    return redirect(url_for("console.admin_campaigns", saved=1), 303)


class DecisionForm(Schema):
    class Meta:
        unknown = EXCLUDE

    action = fields.Enum(Action, by_value=True, required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=200))


@bp.get("/admin/campaigns/<int:campaign_id>")
@console_page(Role.ADMIN)
def admin_campaign(campaign_id: int) -> tuple[str, int]:
    """One campaign: its products and copy, and the decisions that apply to it where it stands."""
    return _campaign_page(campaign_id, {})


def _campaign_page(campaign_id: int, errors: dict, status: int = 200) -> tuple[str, int]:
    session = get_session()
    campaign = services.get_campaign(session, campaign_id)
    return render_template(
        "console/admin/campaign.html",
        campaign=campaign,
        items=services.items_of(session, [campaign_id])[campaign_id],
        phase=services.campaign_phase(campaign).value,
        phase_names=PHASE_NAMES,
        errors=errors,
    ), status


@bp.post("/admin/campaigns/<int:campaign_id>/decision")
@console_page(Role.ADMIN)
def admin_decide_campaign(campaign_id: int) -> BaseResponse | tuple[str, int]:
    """Approve, reject or cancel (distro.campaigns.services.decide, as the API's decision)."""
    try:
        data = parse_form(DecisionForm())
        services.decide(session=get_session(), user_id=current_user_id(), campaign_id=campaign_id, **data)
    except ValidationError as refused:
        return _campaign_page(campaign_id, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _campaign_page(campaign_id, page_messages(refused, {"required": _l("请填写原因")}), 422)
    except Conflict:
        return _campaign_page(campaign_id, {"action": [str(_l("这个活动现在不能这样处理"))]}, 409)
    return redirect(url_for("console.admin_campaign", campaign_id=campaign_id), 303)
