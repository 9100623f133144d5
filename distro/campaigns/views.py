"""Campaign API: the running and coming campaigns (any account); admins schedule, approve, reject, cancel; suppliers
propose for their own goods."""

from __future__ import annotations

from typing import Any

from flask import current_app

from distro import clock
from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.campaigns import services
from distro.campaigns.models import Campaign
from distro.campaigns.schemas import (
    CampaignCreateSchema,
    CampaignDecisionSchema,
    CampaignFilterSchema,
    CampaignSchema,
    offers_of,
)
from distro.db import get_session
from distro.suppliers.rules import RateBounds

blp = Blueprint("campaigns", __name__, url_prefix=API_PREFIX, description="Campaigns (活动 / 整点秒杀)")


def _bounds() -> RateBounds:
    return RateBounds.from_settings(current_app.config)


def described(campaigns: list[Campaign]) -> list[dict[str, Any]]:
    """Campaigns with where each stands now and their products, for CampaignSchema; one statement for the items."""
    items = services.items_of(get_session(), [c.id for c in campaigns if c.id is not None])
    now = clock.utcnow()
    return [
        {
            **campaign.model_dump(),
            "phase": services.campaign_phase(campaign, now).value,
            "items": [
                {**item.model_dump(), "title": product.title, "price_fen": product.price_fen}
                for item, product in items[campaign.id]  # type: ignore[index]
            ],
        }
        for campaign in campaigns
    ]


@blp.route("/campaigns", methods=["GET"])
@requires()
@blp.response(200, CampaignSchema(many=True))
def live_campaigns():
    """The campaigns running now or scheduled to come, soonest first (at most 100)."""
    rows = get_session().execute(services.live_query(clock.utcnow()).limit(100)).scalars().all()
    return described(list(rows))


@blp.route("/admin/campaigns", methods=["GET"])
@requires(Role.ADMIN)
@blp.arguments(CampaignFilterSchema, location="query")
@blp.response(200, CampaignSchema(many=True))
@blp.paginate(SelectPage)
def list_campaigns(args: dict):
    """Every campaign, newest first, optionally by status (the review queue is status=proposed)."""
    status = args["status"]
    return services.campaigns_query(None if status is None else status.value)


@blp.route("/admin/campaigns", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
@blp.problem(404, "An item names no product.")
@blp.problem(422, "Invalid input, a sale price above the product's, a rate out of bounds, times, or an overlap.")
def schedule(data: dict):
    """Schedule a campaign on any products: it runs from starts_at until ends_at, by itself."""
    campaign = services.schedule(
        session=get_session(), user_id=current_user_id(), copy=data, offers=offers_of(data), bounds=_bounds()
    )
    return described([campaign])[0]


@blp.route("/admin/campaigns/<int:campaign_id>/decision", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(CampaignDecisionSchema)
@blp.response(200, CampaignSchema)
@blp.problem(404, "No such campaign.")
@blp.problem(409, "The action does not apply to the campaign where it stands now.")
def decide(data: dict, campaign_id: int):
    """Approve or reject a supplier's proposal, or cancel a campaign (reject and cancel need a reason)."""
    campaign = services.decide(
        session=get_session(),
        user_id=current_user_id(),
        campaign_id=campaign_id,
        action=data["action"],
        reason=data["reason"],
    )
    return described([campaign])[0]


@blp.route("/supplier/campaigns", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, CampaignSchema(many=True))
@blp.paginate(SelectPage)
def own_campaigns():
    """The caller's proposals, newest first, with where each stands and why it was rejected."""
    return services.own_campaigns_query(get_session(), current_user_id())


@blp.route("/supplier/campaigns", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
@blp.problem(404, "An item names no product of the caller's.")
@blp.problem(422, "Invalid input, a sale price above the product's, a rate out of bounds, times, or an overlap.")
def propose(data: dict):
    """Propose a campaign on the caller's own products, for an admin to approve."""
    campaign = services.propose(
        session=get_session(), user_id=current_user_id(), copy=data, offers=offers_of(data), bounds=_bounds()
    )
    return described([campaign])[0]
