"""Tier API: the rules (admins change them), evaluations (admins run or dry-run a month), owners' standing."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.api import API_PREFIX, PLAUSIBLE_DAY, Blueprint, fits_bigint, fits_integer
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.shops.services import get_own_shop
from distro.tiers import services
from distro.tiers.context import request_tiers

blp = Blueprint("tiers", __name__, url_prefix=API_PREFIX, description="Tiers: 新晋 → 资深 → 精英 → 超级掌柜")


class TierSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=30))
    share_bp = fields.Integer(required=True, strict=True, metadata={"description": "Owner's share of the pool."})
    min_net_gmv_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(0))
    min_orders = fields.Integer(required=True, strict=True, validate=fits_integer(0))
    min_buyers = fields.Integer(required=True, strict=True, validate=fits_integer(0))


class RulesSchema(Schema):
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=2, max=10))


class EvaluationRequestSchema(Schema):
    month = fields.Date(
        required=True, validate=PLAUSIBLE_DAY, metadata={"description": "Any day of the month to evaluate."}
    )
    dry_run = strict_fields.Boolean(load_default=True, metadata={"description": "Show what would change (default)."})


class TransitionSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    shops = fields.Integer()


class EvaluationSchema(Schema):
    month = fields.String()
    dry_run = strict_fields.Boolean()
    shops_evaluated = fields.Integer()
    transitions = fields.List(fields.Nested(TransitionSchema))


class MetricsSchema(Schema):
    net_gmv_fen = fields.Integer(required=True)
    orders = fields.Integer(required=True)
    buyers = fields.Integer(required=True)


class NextTierSchema(Schema):
    tier = fields.String(required=True)
    tier_name = fields.String(required=True)
    share_bp = fields.Integer(required=True)
    needs = fields.Nested(MetricsSchema, required=True, metadata={"description": "The next tier's thresholds."})
    remaining = fields.Nested(MetricsSchema, required=True, metadata={"description": "What this month still needs."})


class TierChangeSchema(Schema):
    month = fields.String(required=True, metadata={"format": "date"})
    from_ = fields.String(data_key="from", attribute="from", required=True)
    to = fields.String(required=True)
    net_gmv_fen = fields.Integer(required=True)
    orders = fields.Integer(required=True)
    buyers = fields.Integer(required=True)
    effective_from = fields.String(required=True, metadata={"format": "date-time"})


class StandingSchema(Schema):
    tier = fields.String(required=True)
    tier_name = fields.String(required=True)
    tier_name_en = fields.String(required=True)
    share_bp = fields.Integer(required=True)
    month = fields.String(
        required=True, metadata={"format": "date", "description": "This month's first day (Asia/Shanghai)."}
    )
    so_far = fields.Nested(MetricsSchema, required=True)
    next_tier = fields.Nested(
        NextTierSchema, required=True, allow_none=True, metadata={"description": "null at the top tier."}
    )
    history = fields.List(fields.Nested(TierChangeSchema), required=True, metadata={"description": "Newest first."})


def _self_purchases_count() -> bool:
    return current_app.config["SELF_PURCHASE_POLICY"] != "flag"


@blp.route("/tier-rules", methods=["GET"])
@requires()
@blp.response(200, RulesSchema)
def rules():
    """The tiers in force, lowest first, with their thresholds (last calendar month) and shares."""
    return {"tiers": [vars(tier) for tier in request_tiers().tiers]}


@blp.route("/admin/tier-rules", methods=["PUT"])
@requires(Role.ADMIN)
@blp.arguments(RulesSchema)
@blp.response(200, RulesSchema)
def set_rules(data: dict):
    """Replace the tier table (audited); thresholds and shares may not fall from one tier to the next."""
    table = services.set_rules(
        session=get_session(), tiers=data["tiers"], admin_id=current_user_id(), defaults=current_app.config["TIERS"]
    )
    return {"tiers": [vars(tier) for tier in table.tiers]}


@blp.route("/admin/tier-evaluations", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(EvaluationRequestSchema)
@blp.response(200, EvaluationSchema)
def evaluate(data: dict):
    """Evaluate a month now (dry run by default); shops already evaluated for it are left as they are."""
    return services.evaluate_month(
        session=get_session(),
        month=data["month"],
        table=request_tiers(),
        count_self_purchases=_self_purchases_count(),
        dry_run=data["dry_run"],
    )


@blp.route("/shops/<int:shop_id>/tier", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, StandingSchema)
def standing(shop_id: int):
    """The shop's tier, this month's progress towards the next one, and its history."""
    shop = get_own_shop(get_session(), current_user_id(), shop_id)
    return services.standing(get_session(), shop, request_tiers(), _self_purchases_count())
