"""Request and response schemas of the tiers API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.api import PLAUSIBLE_DAY, fits_bigint, fits_integer


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
