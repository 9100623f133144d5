"""Response schemas of the deposit API: a supplier's standing and the movements of its deposit."""

from __future__ import annotations

from marshmallow import Schema, fields

from distro.api import fen
from distro.strict_fields import Boolean


class DepositStandingSchema(Schema):
    status = fields.String(
        dump_only=True, metadata={"description": "The supplier's status: approved or suspended (those may read)."}
    )
    required_fen = fen("the deposit required of the supplier.")
    held_fen = fen("the deposit held (the ledger's supplier:N:deposit).")
    shortfall_fen = fen("what is still to pay in; 0 when the whole deposit is held.")
    sells = Boolean(
        dump_only=True,
        metadata={"description": "Whether its goods may be in the pool: approved and holding the whole deposit."},
    )


class DepositMovementSchema(Schema):
    id = fields.Integer(dump_only=True, metadata={"description": "The ledger entry on the deposit account."})
    posting_id = fields.Integer(dump_only=True)
    kind = fields.String(
        dump_only=True,
        metadata={
            "description": "The posting's kind: deposit_paid, promise_compensation, deposit_penalty or "
            "deposit_returned (or a correction finance posted)."
        },
    )
    memo = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    amount_fen = fen("on the deposit's side: paid in positive, drawn or returned negative.")
