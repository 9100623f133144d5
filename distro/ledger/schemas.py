"""Request and response schemas of the ledger API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro.api import BIGINT_MAX
from distro.ledger.models import ADJUSTMENT_STATUSES


class EntryLineSchema(Schema):
    account = fields.String(
        required=True, validate=validate.Length(min=1, max=80), metadata={"example": "shop:42:available"}
    )
    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=-BIGINT_MAX, max=BIGINT_MAX),  # its reversal, -amount, must fit a bigint too
        metadata={"description": "Signed fen: debit positive, credit negative."},
    )


class NewAdjustmentSchema(Schema):
    memo = fields.String(
        required=True,
        validate=validate.Length(min=3, max=500),
        metadata={"description": "Why the adjustment is made (kept in the audit trail)."},
    )
    entries = fields.List(fields.Nested(EntryLineSchema), required=True, validate=validate.Length(min=2, max=50))


class ReversalSchema(Schema):
    memo = fields.String(required=True, validate=validate.Length(min=3, max=500))


class RejectionSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class AdjustmentFilterSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(ADJUSTMENT_STATUSES))


class AdjustmentSchema(Schema):
    id = fields.Integer()
    kind = fields.Function(
        lambda adjustment: "reversal" if adjustment.reverses_posting_id else "adjustment",
        metadata={"description": "adjustment, or reversal (of the posting reverses_posting_id)."},
    )
    status = fields.String(metadata={"description": "proposed, approved (posted as posting_id) or rejected."})
    memo = fields.String()
    entries = fields.List(fields.Nested(EntryLineSchema), metadata={"description": "What it posts once approved."})
    reverses_posting_id = fields.Integer(allow_none=True)
    proposed_by = fields.Integer()
    proposed_at = fields.DateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "Why it was rejected."})
    posting_id = fields.Integer(allow_none=True)


class PostingSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    kind = fields.String()
    memo = fields.String()
    created_by = fields.Integer(allow_none=True)
    reverses_posting_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    entries = fields.List(fields.Nested(EntryLineSchema))


class AccountBalanceSchema(Schema):
    code = fields.String()
    type = fields.String()
    balance = fields.Integer(metadata={"description": "Fen, on the account's normal side."})


class TrialBalanceSchema(Schema):
    asset = fields.Integer()
    liability = fields.Integer()
    equity = fields.Integer()
    revenue = fields.Integer()
    expense = fields.Integer()
    total = fields.Integer(metadata={"description": "Sum of all entries; 0 when the ledger balances."})


class AccountFilterSchema(Schema):
    prefix = fields.String(load_default=None, metadata={"example": "shop:"})
