"""The order-event payload contract (documented in the OpenAPI document as components)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro.api import PLAUSIBLE_INSTANT, fits_bigint, fits_integer
from distro.commission.orders import EVENT_TYPES

FEN = fits_bigint(0)


class BuyerSchema(Schema):
    reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The order system's buyer id."},
    )
    user_id = fields.Integer(
        load_default=None,
        strict=True,
        validate=fits_bigint(1),
        metadata={"description": "The buyer's distro account, if signed in (self-purchase)."},
    )


class PaidLineSchema(Schema):
    line_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    product_id = fields.Integer(required=True, strict=True, validate=fits_bigint(1))
    sku = fields.String(load_default=None, validate=validate.Length(max=40))
    quantity = fields.Integer(required=True, strict=True, validate=fits_integer(1))
    paid_fen = fields.Integer(required=True, strict=True, validate=FEN)


class OrderPaidSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    paid_at = fields.AwareDateTime(required=True, format="iso", validate=PLAUSIBLE_INSTANT)
    buyer = fields.Nested(BuyerSchema, required=True)
    share_code = fields.String(
        load_default=None,
        validate=validate.Length(max=40),
        metadata={"description": "The share link that brought the buyer."},
    )
    shop = fields.String(
        load_default=None,
        validate=validate.Length(max=30),
        metadata={"description": "The shop's slug, when there is no share code."},
    )
    total_paid_fen = fields.Integer(required=True, strict=True, validate=FEN)
    lines = fields.List(fields.Nested(PaidLineSchema), required=True, validate=validate.Length(min=1, max=200))


class OrderShippedSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    shipped_at = fields.AwareDateTime(required=True, format="iso", validate=PLAUSIBLE_INSTANT)


class OrderDeliveredSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    delivered_at = fields.AwareDateTime(
        required=True,
        format="iso",
        validate=PLAUSIBLE_INSTANT,
        metadata={"description": "When the buyer confirmed receipt."},
    )


class RefundLineSchema(Schema):
    line_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount_fen = fields.Integer(required=True, strict=True, validate=fits_bigint(1))


class OrderRefundedSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    refund_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Each refund counts once, however often it is sent."},
    )
    refunded_at = fields.AwareDateTime(required=True, format="iso", validate=PLAUSIBLE_INSTANT)
    lines = fields.List(fields.Nested(RefundLineSchema), required=True, validate=validate.Length(min=1, max=200))


class OrderCancelledSchema(Schema):
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    cancelled_at = fields.AwareDateTime(required=True, format="iso", validate=PLAUSIBLE_INSTANT)
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class EnvelopeSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    timestamp = fields.String(load_default=None)
    data = fields.Dict(required=True)


class ReceiptSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(["stored", "duplicate"]),
        metadata={"description": "stored, or duplicate (already stored; nothing changed)."},
    )
    id = fields.String(required=True, metadata={"description": "The webhook-id."})
