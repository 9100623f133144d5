"""Request and response schemas of the supplier and product API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.api import ImageUrl, fits_bigint, fits_integer
from distro.suppliers.rules import CATEGORIES, SupplierAction, SupplierStatus

FEN = {"description": "Integer fen (分)."}


def _category_name(product) -> str:
    category = product["category"] if isinstance(product, dict) else product.category
    return CATEGORIES.get(category, "")


class ApplicationSchema(Schema):
    company_name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    registered_capital_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(0), metadata=FEN)
    general_vat_taxpayer = strict_fields.Boolean(required=True, metadata={"description": "一般纳税人"})
    deposit_paid_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(0), metadata=FEN)
    brand_chain_depth = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=20),
        metadata={"description": "Links in the brand authorisation chain (授权链路), 1 = the brand itself."},
    )
    traceable_purchase_record = strict_fields.Boolean(load_default=False)


class SupplierSchema(ApplicationSchema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True)
    status_reason = fields.String(dump_only=True, allow_none=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class SupplierFilterSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf([status.value for status in SupplierStatus]))


class DecisionSchema(Schema):
    action = fields.Enum(SupplierAction, by_value=True, required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class SkuSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    price_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(1), metadata=FEN)
    stock = fields.Integer(required=True, strict=True, validate=fits_integer(0))


class ProductUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=2, max=60))
    description = fields.String(validate=validate.Length(max=2000))
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)), metadata={"enum": list(CATEGORIES)})
    image_urls = fields.List(ImageUrl(), validate=validate.Length(max=9))
    price_fen = fields.Integer(strict=True, validate=fits_bigint(1), metadata=FEN)
    other_platform_price_fen = fields.Integer(
        strict=True,
        validate=fits_bigint(1),
        metadata={"description": "The price on other platforms, in fen; the price here may not exceed it."},
    )
    stock = fields.Integer(strict=True, validate=fits_integer(0))
    skus = fields.List(
        fields.Nested(SkuSchema),
        validate=validate.Length(max=50),
        metadata={"description": "Replaces every SKU; the product's stock becomes their sum."},
    )


class ProductCreateSchema(ProductUpdateSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=60))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    image_urls = fields.List(ImageUrl(), load_default=list, validate=validate.Length(max=9))
    price_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(1), metadata=FEN)
    other_platform_price_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(1))
    stock = fields.Integer(load_default=0, strict=True, validate=fits_integer(0))
    commission_rate_bp = fields.Integer(required=True, strict=True, metadata={"description": "Basis points."})


class ProductSchema(Schema):
    id = fields.Integer()
    supplier_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    category_name = fields.Function(_category_name)
    image_urls = fields.List(ImageUrl())
    price_fen = fields.Integer(metadata=FEN)
    other_platform_price_fen = fields.Integer(metadata=FEN)
    stock = fields.Integer()
    status = fields.String()
    commission_rate_bp = fields.Integer()
    recent_sales = fields.Integer()
    in_pool = strict_fields.Boolean()
    taken_down_at = fields.DateTime(
        allow_none=True, metadata={"description": "When an admin took the product down (out of every shop); or null."}
    )
    takedown_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ProductDetailSchema(ProductSchema):
    skus = fields.List(fields.Nested(SkuSchema))


class RateSchema(Schema):
    rate_bp = fields.Integer(required=True, strict=True, metadata={"description": "Basis points (100 = 1%)."})


class RateChangeSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    rate_bp = fields.Integer()
    previous_rate_bp = fields.Integer(allow_none=True)
    effective_from = fields.DateTime()
    set_by = fields.Integer()


class RatePreviewRequestSchema(Schema):
    rate_bp = fields.Integer(required=True, strict=True)
    price_fen = fields.Integer(strict=True, validate=fits_bigint(1), load_default=None, metadata=FEN)
    product_id = fields.Integer(
        strict=True,
        load_default=None,
        validate=fits_bigint(1),
        metadata={"description": "Preview at this product's price (instead of price_fen)."},
    )


class TierSplitSchema(Schema):
    tier = fields.String()
    tier_name = fields.String()
    owner_fen = fields.Integer()
    platform_fen = fields.Integer()


class RatePreviewSchema(Schema):
    price_fen = fields.Integer()
    rate_bp = fields.Integer()
    cost_per_sale_fen = fields.Integer(metadata={"description": "The commission pool one sale costs the supplier."})
    supplier_receives_fen = fields.Integer()
    by_tier = fields.List(fields.Nested(TierSplitSchema))
