"""Request and response schemas of the shop and pool API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.api import AdminReasonSchema, ImageUrl, fits_bigint
from distro.shops.services import POOL_SORTS
from distro.suppliers.rules import CATEGORIES
from distro.suppliers.schemas import ProductSchema
from distro.tiers.context import request_tiers


def _tier_name(shop) -> str:
    return request_tiers().get(shop.tier_code).name


class ShopCreateSchema(Schema):
    name = fields.String(
        required=True,
        metadata={
            "description": "2-20 characters, without 旗舰 or 专卖; the system suffix (的小铺) is appended for display."
        },
    )
    slug = fields.String(load_default=None, metadata={"description": "3-30 of a-z, 0-9, '-'; generated if omitted."})


class ShopSchema(Schema):
    id = fields.Integer()
    owner_id = fields.Integer()
    name = fields.String()
    display_name = fields.String()
    slug = fields.String()
    status = fields.String()
    status_reason = fields.String(
        allow_none=True, metadata={"description": "Why an admin suspended or closed the shop; null otherwise."}
    )
    payouts_frozen = strict_fields.Boolean(metadata={"description": "Settlement pays the shop nothing while true."})
    tier_code = fields.String()
    tier_name = fields.Function(_tier_name)
    created_at = fields.DateTime()


class ShopCloseSchema(AdminReasonSchema):
    pay_earned = strict_fields.Boolean(
        load_default=False,
        metadata={
            "description": "Pay the commission the shop earned (closed at its owner's request); by default it is "
            "frozen for review (closed for abuse)."
        },
    )


class ShopFilterSchema(Schema):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending_approval", "active", "suspended", "closed"])
    )


class ShopItemCreateSchema(Schema):
    product_id = fields.Integer(required=True, strict=True, validate=fits_bigint(1))
    reason = fields.String(load_default="", metadata={"description": "The owner's recommendation (at most 200)."})


class ShopItemReasonSchema(Schema):
    reason = fields.String(required=True)


class ShopItemOrderSchema(Schema):
    product_ids = fields.List(
        fields.Integer(strict=True, validate=fits_bigint(1)),
        required=True,
        metadata={"description": "Every product of the shop, in the new order."},
    )


class ShopItemSchema(Schema):
    product = fields.Nested(ProductSchema)
    reason = fields.String()
    position = fields.Integer()


class AllowanceSchema(Schema):
    max_shops = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))


class AllowanceResultSchema(Schema):
    id = fields.Integer()
    max_shops = fields.Integer(allow_none=True)


class PoolFilterSchema(Schema):
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    min_price_fen = fields.Integer(load_default=None, validate=fits_bigint(0))
    max_price_fen = fields.Integer(load_default=None, validate=fits_bigint(0))
    min_rate_bp = fields.Integer(load_default=None, validate=validate.Range(min=0, max=10000))
    supplier_id = fields.Integer(load_default=None, validate=fits_bigint(1))
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=50), metadata={"description": "Keyword."})
    sort = fields.String(load_default="commission", validate=validate.OneOf(list(POOL_SORTS)))
    shop_id = fields.Integer(
        load_default=None,
        validate=fits_bigint(1),
        metadata={"description": "Show earnings at this own shop's tier (default: the owner's first shop)."},
    )


class PoolItemSchema(ProductSchema):
    you_earn_fen = fields.Integer(metadata={"description": "What the owner earns on one sale at the list price."})
    tier = fields.String()


class PublicItemSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    image_urls = fields.List(ImageUrl())
    price_fen = fields.Integer()
    reason = fields.String()


class PublicShopSchema(Schema):
    display_name = fields.String()
    slug = fields.String()
    products = fields.List(fields.Nested(PublicItemSchema))
