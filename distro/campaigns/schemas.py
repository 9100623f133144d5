"""Request and response schemas of the campaign API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from distro import clock
from distro.api import ImageUrl, fits_bigint
from distro.campaigns.rules import Action, Offer, Status, phase

FEN = {"description": "Integer fen (分)."}


class ItemSchema(Schema):
    product_id = fields.Integer(required=True, strict=True, validate=fits_bigint(1))
    sale_price_fen = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=fits_bigint(1),
        metadata={"description": "The price while the campaign runs, at most the product's price; integer fen."},
    )
    rate_bp = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=10000),
        metadata={"description": "The boosted commission rate while it runs, within the platform's floor and cap."},
    )


class CampaignCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=60))
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    picture_urls = fields.List(ImageUrl(), load_default=list, validate=validate.Length(max=9))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True, metadata={"description": "Exclusive: it runs until this instant."})
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1, max=50))


def offers_of(data: dict) -> list[Offer]:
    """The offers of a parsed CampaignCreateSchema (its items)."""
    return [Offer(item["product_id"], item["sale_price_fen"], item["rate_bp"]) for item in data["items"]]


class ItemOutSchema(ItemSchema):
    title = fields.String(dump_only=True)
    price_fen = fields.Integer(dump_only=True, metadata=FEN)


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    picture_urls = fields.List(fields.String(), dump_only=True)
    starts_at = fields.DateTime(dump_only=True)
    ends_at = fields.DateTime(dump_only=True)
    status = fields.String(dump_only=True)
    phase = fields.Method(
        "_phase",
        dump_only=True,
        metadata={"type": "string", "description": "proposed, scheduled, running, ended, rejected or cancelled (now)."},
    )
    supplier_id = fields.Integer(dump_only=True, allow_none=True)
    reason = fields.String(dump_only=True, allow_none=True)
    items = fields.List(fields.Nested(ItemOutSchema), dump_only=True)

    def _phase(self, campaign: Any) -> str:
        """Where the campaign stands now: given (a described campaign), else read from its status and times."""
        if isinstance(campaign, dict):
            return campaign["phase"]
        return phase(campaign.status, campaign.starts_at, campaign.ends_at, clock.utcnow()).value


class CampaignFilterSchema(Schema):
    status = fields.Enum(Status, by_value=True, load_default=None)


class CampaignDecisionSchema(Schema):
    action = fields.Enum(Action, by_value=True, required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=200))
