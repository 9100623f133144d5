"""Tier API: the rules (admins change them), evaluations (admins run or dry-run a month), owners' standing."""

from __future__ import annotations

from flask import current_app

from distro.api import API_PREFIX, Blueprint
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.shops.services import get_own_shop
from distro.tiers import services
from distro.tiers.context import request_tiers
from distro.tiers.schemas import (
    EvaluationRequestSchema,
    EvaluationSchema,
    RulesSchema,
    StandingSchema,
)

blp = Blueprint("tiers", __name__, url_prefix=API_PREFIX, description="Tiers: 新晋 → 资深 → 精英 → 超级掌柜")


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
