"""Request and response schemas of the ledger API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro.api import BIGINT_MAX


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


class AdjustmentSchema(Schema):
    memo = fields.String(
        required=True,
        validate=validate.Length(min=3, max=500),
        metadata={"description": "Why the adjustment is made (kept in the audit trail)."},
    )
    entries = fields.List(fields.Nested(EntryLineSchema), required=True, validate=validate.Length(min=2, max=50))


class ReversalSchema(Schema):
    memo = fields.String(required=True, validate=validate.Length(min=3, max=500))


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
