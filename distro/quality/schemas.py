"""Response schema of the quality API: a supplier's monthly review (考核) with the numbers that decided it."""

from __future__ import annotations

from marshmallow import Schema, fields

from distro.quality.rules import Measure, Outcome

_OVER_TOO_FEW = (
    " In a too_few month it is measured over fewer orders than the review needs (SUPPLIER_REVIEW_MIN_ORDERS): "
    "given, but it judged nothing."
)


def _rate(what: str) -> fields.Integer:
    return fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": f"{what}, in basis points (rounded down); null: nothing to measure.{_OVER_TOO_FEW}"},
    )


class SupplierReviewSchema(Schema):
    id = fields.Integer(dump_only=True)
    period = fields.Date(dump_only=True, metadata={"description": "The month reviewed: its first day (Asia/Shanghai)."})
    as_of = fields.DateTime(dump_only=True, metadata={"description": "When its orders were measured."})
    outcome = fields.String(
        dump_only=True,
        metadata={
            "description": "passed: every measure within its threshold; too_few: too few orders to judge, no strike; "
            "warning: a strike; suspended: the strike that suspended the supplier (三振出局).",
            "enum": [outcome.value for outcome in Outcome],
        },
    )
    orders = fields.Integer(dump_only=True, metadata={"description": "Orders paid in the month."})
    due = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Of them, those due to ship: shipped, or past the deadline unshipped and not cancelled."
        },
    )
    on_time = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Of those due, shipped by the deadline (the shipping promise in force when paid, else "
            "SUPPLIER_SHIP_WITHIN_HOURS)."
        },
    )
    refunded = fields.Integer(dump_only=True, metadata={"description": "Orders refunded, in part or in full."})
    cancelled = fields.Integer(dump_only=True)
    on_time_bp = _rate("Shipped on time, of the orders due")
    refund_bp = _rate("Refunded, of the orders")
    cancel_bp = _rate("Cancelled, of the orders")
    failed = fields.List(
        fields.String(metadata={"enum": [measure.value for measure in Measure]}),
        dump_only=True,
        metadata={"description": "The measures that fell short (on_time, refund, cancel); empty unless a strike."},
    )
    strike = fields.Integer(
        dump_only=True, metadata={"description": "Which strike this review is (1, 2, 3…) within the window; 0: none."}
    )
    overruled_at = fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "When an admin took the strike back; null: never."}
    )
    overrule_reason = fields.String(dump_only=True, allow_none=True, metadata={"description": "The admin's reason."})
