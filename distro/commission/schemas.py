"""Response schemas of the commission API."""

from __future__ import annotations

from marshmallow import Schema, fields

from distro.api import fits_bigint
from distro.commission.queries import shown_status


class CommissionLineSchema(Schema):
    id = fields.Function(lambda row: row["CommissionLine"].id)
    order_id = fields.Function(lambda row: row["external_id"])
    shop_id = fields.Function(lambda row: row["CommissionLine"].shop_id)
    product_id = fields.Function(lambda row: row["CommissionLine"].product_id)
    status = fields.Function(
        shown_status,
        metadata={
            "description": "pending, payable, settled, reversed (cancelled or refunded in full) or clawed_back "
            "(reversed after a settlement batch claimed it); the same events in any order show the same status"
        },
    )
    rate_bp = fields.Function(lambda row: row["CommissionLine"].rate_bp)
    tier_code = fields.Function(lambda row: row["CommissionLine"].tier_code)
    owner_share_bp = fields.Function(lambda row: row["CommissionLine"].owner_share_bp)
    pool_fen = fields.Function(lambda row: row["CommissionLine"].pool_fen)
    owner_fen = fields.Function(
        lambda row: row["CommissionLine"].owner_fen,
        metadata={"description": "What the owner earns on this line, in fen."},
    )
    paid_at = fields.Function(lambda row: row["CommissionLine"].paid_at.isoformat())
    payable_at = fields.Function(
        lambda row: row["CommissionLine"].payable_at.isoformat() if row["CommissionLine"].payable_at else None
    )


class LineFilterSchema(Schema):
    shop_id = fields.Integer(load_default=None, validate=fits_bigint(1))


class BalanceSchema(Schema):
    shop_id = fields.Integer()
    shop_name = fields.String()
    pending_fen = fields.Integer(metadata={"description": "Earned, not yet payable (before delivery + hold)."})
    available_fen = fields.Integer(metadata={"description": "Payable; negative after a clawback."})


class SupplierOrderSchema(Schema):
    order_id = fields.String()
    status = fields.String()
    paid_at = fields.DateTime(allow_none=True)
    commission_fen = fields.Integer(metadata={"description": "Commission this supplier owes on the order."})
    lines = fields.Integer()


class OrderEventSchema(Schema):
    id = fields.String()
    type = fields.String()
    order_ref = fields.String()
    status = fields.String()
    quarantine_reason = fields.String(allow_none=True)
    received_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
    data = fields.Dict()
