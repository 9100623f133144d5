"""Request and response schemas of the selection center's API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro.api import fits_bigint
from distro.shops.schemas import PoolItemSchema
from distro.suppliers.rules import CATEGORIES


class ListArgsSchema(Schema):
    category = fields.String(
        load_default="",
        validate=validate.OneOf(["", *CATEGORIES]),
        metadata={"description": "A category; empty or left out: the list over every category."},
    )
    shop_id = fields.Integer(
        load_default=None,
        validate=fits_bigint(1),
        metadata={"description": "Show earnings at this own shop's tier (default: the owner's first shop)."},
    )


class ShopArgsSchema(Schema):
    shop_id = fields.Integer(
        load_default=None,
        validate=fits_bigint(1),
        metadata={"description": "Show earnings at this own shop's tier (default: the owner's first shop)."},
    )


class RankedItemSchema(PoolItemSchema):
    rank = fields.Integer(metadata={"description": "Place in the list, 1 the best."})
    units_7d = fields.Integer(metadata={"description": "Units sold over the last 7 days."})
    units_prev_7d = fields.Integer(metadata={"description": "Units sold over the 7 days before those."})
    units_30d = fields.Integer(metadata={"description": "Units sold over the last 30 days."})
    buyers = fields.Integer(metadata={"description": "Distinct buyers over the last 30 days."})
    repeat_buyers = fields.Integer(metadata={"description": "Of them, buyers who bought it in two or more orders."})
    clicks = fields.Integer(metadata={"description": "Unique clicks on its share links over the last 30 days."})
    orders = fields.Integer(metadata={"description": "Orders that came through its share links, same window."})


class CollectionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    position = fields.Integer()
