"""Request and response schemas of the promise API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from distro.api import fits_bigint
from distro.promises.rules import Compensation, CompensationKind, PromiseTerms
from distro.strict_fields import Boolean

FEN = {"description": "Integer fen (分)."}
# Within PostgreSQL's integer, so that any number is judged by the rules (a 422 naming the choices), never the database.
SMALL = validate.Range(min=1, max=100_000)


class CompensationSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in CompensationKind]),
        metadata={"description": "fixed: value is fen; percent: value is basis points of what the buyer paid."},
    )
    value = fields.Integer(required=True, strict=True, validate=fits_bigint(0))


class PromiseSchema(Schema):
    ship_within_hours = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=SMALL,
        metadata={"description": "Ship within this many hours of payment (PROMISE_SHIP_HOURS); null: no promise."},
    )
    ship_compensation = fields.Nested(
        CompensationSchema, load_default=None, allow_none=True, metadata={"description": "Required with a deadline."}
    )
    deliver_within_days = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=SMALL,
        metadata={"description": "Deliver within this many days (of 24 hours) of payment (PROMISE_DELIVER_DAYS)."},
    )
    deliver_compensation = fields.Nested(CompensationSchema, load_default=None, allow_none=True)
    exchange_days = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=SMALL, metadata={"description": "7 or 15."}
    )
    quality_inspection = Boolean(load_default=False)


def terms_of(data: dict[str, Any]) -> PromiseTerms:
    """The terms a parsed PromiseSchema holds."""

    def compensation(value: dict | None) -> Compensation | None:
        return None if value is None else Compensation(CompensationKind(value["kind"]), value["value"])

    return PromiseTerms(
        ship_within_hours=data["ship_within_hours"],
        ship_compensation=compensation(data["ship_compensation"]),
        deliver_within_days=data["deliver_within_days"],
        deliver_compensation=compensation(data["deliver_compensation"]),
        exchange_days=data["exchange_days"],
        quality_inspection=data["quality_inspection"],
    )


class BadgeSchema(Schema):
    kind = fields.String(dump_only=True, metadata={"description": "ship, deliver, exchange or quality."})
    number = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "Hours or days; null for quality."}
    )


class PromiseOutSchema(PromiseSchema):
    badges = fields.List(fields.Nested(BadgeSchema), dump_only=True)


class BreachSchema(Schema):
    id = fields.Integer(dump_only=True)
    order_ref = fields.String(dump_only=True, metadata={"description": "The order's id in the order system."})
    kind = fields.String(dump_only=True, metadata={"description": "ship or deliver: the deadline missed."})
    paid_at = fields.DateTime(dump_only=True)
    due_at = fields.DateTime(dump_only=True, metadata={"description": "The deadline the promise in force set."})
    done_at = fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "Shipped or delivered at; null: not when found."}
    )
    paid_fen = fields.Integer(dump_only=True, metadata={"description": "What the buyer paid for the supplier's lines."})
    compensation_fen = fields.Integer(dump_only=True, metadata=FEN)
    paid_out_at = fields.DateTime(dump_only=True, allow_none=True, metadata={"description": "Paid to the buyer at."})
