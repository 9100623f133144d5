"""Request and response schemas of the storefront API (landing-page orders), and the buyers' page forms."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from distro.api import PLAUSIBLE_INSTANT, fits_bigint
from distro.phones import normalise_phone
from distro.storefront import lifecycle
from distro.storefront.rules import mask_phone


class ShopOrderSchema(Schema):
    order_ref = fields.String()
    product_id = fields.Integer()
    sku = fields.String(allow_none=True)
    quantity = fields.Integer()
    total_fen = fields.Integer()
    refunded_fen = fields.Integer()
    status = fields.String()
    buyer_name = fields.String()
    buyer_phone = fields.Function(
        lambda checkout: mask_phone(checkout.buyer_phone),
        metadata={"description": "Masked: only the shipping supplier sees it whole."},
    )
    share_code = fields.String(allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class ShipmentSchema(Schema):
    order_ref = fields.String()
    product_id = fields.Integer()
    product_title = fields.String()
    sku = fields.String(allow_none=True)
    quantity = fields.Integer()
    total_fen = fields.Integer()
    status = fields.String()
    buyer_name = fields.String()
    buyer_phone = fields.String(metadata={"description": "In full: the supplier needs it to ship."})
    address = fields.String()
    paid_at = fields.DateTime()
    shipped_at = fields.DateTime(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    delivered_by = fields.String(allow_none=True)


class ShipmentsQuerySchema(Schema):
    status = fields.String(
        load_default=lifecycle.PAID,
        validate=validate.OneOf(lifecycle.STATUSES),
        metadata={"description": "paid (to ship, the default), shipped, delivered, cancelled or refunded."},
    )


class ShipSchema(Schema):
    order_ref = fields.String(required=True, validate=validate.Length(min=1, max=40))
    carrier = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "顺丰速运"})
    tracking_number = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z0-9-]{4,60}$"), metadata={"example": "SF1234567890"}
    )


class ShipBatchSchema(Schema):
    shipments = fields.List(fields.Nested(ShipSchema), required=True, validate=validate.Length(min=1, max=500))


class DeliveredSchema(Schema):
    delivered_at = fields.AwareDateTime(
        load_default=None, format="iso", validate=PLAUSIBLE_INSTANT, metadata={"description": "Default: now."}
    )


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AfterSalesSchema(Schema):
    id = fields.Integer()
    order_ref = fields.Function(lambda row: row["Checkout"].order_ref)
    kind = fields.Function(lambda row: row["AfterSalesRequest"].kind, metadata={"description": "refund or return"})
    reason = fields.Function(lambda row: row["AfterSalesRequest"].reason)
    requested_fen = fields.Function(lambda row: row["AfterSalesRequest"].requested_fen)
    status = fields.Function(lambda row: row["AfterSalesRequest"].status)
    approved_fen = fields.Function(lambda row: row["AfterSalesRequest"].approved_fen)
    refusal_reason = fields.Function(lambda row: row["AfterSalesRequest"].refusal_reason)
    requested_at = fields.Function(lambda row: row["AfterSalesRequest"].requested_at.isoformat())
    order_status = fields.Function(lambda row: row["Checkout"].status)


class AfterSalesQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["requested", "approved", "refused"]))


class AfterSalesDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    amount_fen = fields.Integer(
        load_default=None,
        strict=True,
        validate=fits_bigint(1),
        metadata={"description": "Approve: the refund in fen (default: what the buyer asked for)."},
    )
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


def filled_text(minimum: int, maximum: int, *, empty: str, wrong_length: str) -> list:
    """A form's text field's length rule with two messages: empty says fill it in, too short or too long states the
    limit (one message either way, never both)."""

    def check(value: str) -> None:
        if not value:
            raise ValidationError(empty)
        if not minimum <= len(value) <= maximum:
            raise ValidationError(wrong_length)

    return [check]


class BuyFormSchema(Schema):
    # A SKU is chosen from the page's options, so one too long was not: the same message as none chosen.
    sku = fields.String(load_default=None, validate=validate.Length(max=40, error="请选择规格"))
    quantity = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=99, error="数量须在1到99之间"),
        error_messages={"invalid": "请填写数量"},
    )
    name = fields.String(
        required=True,
        validate=filled_text(1, 40, empty="请填写收货人姓名", wrong_length="收货人姓名最多40个字"),
        error_messages={"required": "请填写收货人姓名"},
    )
    phone = fields.String(required=True, error_messages={"required": "请填写11位手机号"})
    address = fields.String(
        required=True,
        validate=filled_text(5, 300, empty="请填写详细收货地址", wrong_length="详细地址需5–300个字"),
        error_messages={"required": "请填写详细收货地址"},
    )

    @validates("phone")
    def _mobile(self, value: str, **_: object) -> None:
        if normalise_phone(value) is None:
            raise ValidationError("请填写11位手机号")

    @post_load
    def _normalised(self, data: dict, **_: object) -> dict:
        data["phone"] = normalise_phone(data["phone"])
        data["sku"] = data["sku"] or None
        return data


class AfterSalesFormSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["refund", "return"], error="请选择售后类型"),
        error_messages={"required": "请选择售后类型"},
    )
    reason = fields.String(
        required=True,
        validate=filled_text(2, 200, empty="请填写原因（2-200字）", wrong_length="原因需2–200个字"),
        error_messages={"required": "请填写原因（2-200字）"},
    )


class CancelFormSchema(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=200, error="原因最多200字"))
