"""Ledger API for finance: balances, the trial balance, postings, adjustments and reversals."""

from __future__ import annotations

import uuid

from marshmallow import Schema, fields

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_principal, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.errors import FieldError, ValidationFailed
from distro.idempotency.http import idempotent
from distro.ledger import services
from distro.ledger.chart import EntryLine, PostingError
from distro.ledger.schemas import (
    AccountBalanceSchema,
    AdjustmentSchema,
    PostingSchema,
    ReversalSchema,
    TrialBalanceSchema,
)

blp = Blueprint("ledger", __name__, url_prefix=f"{API_PREFIX}/ledger", description="Double-entry ledger (finance)")

FINANCE = (Role.FINANCE, Role.ADMIN)


class AccountFilterSchema(Schema):
    prefix = fields.String(load_default=None, metadata={"example": "shop:"})


def _posting_out(posting) -> dict:
    return {**posting.model_dump(), "entries": services.posting_lines(get_session(), posting.id)}


@blp.route("/accounts", methods=["GET"])
@requires(*FINANCE)
@blp.arguments(AccountFilterSchema, location="query")
@blp.response(200, AccountBalanceSchema(many=True))
@blp.paginate(SelectPage)
def list_accounts(args: dict):
    """Accounts with their balances in fen, by code."""
    return services.accounts_with_balances_query(args["prefix"])


@blp.route("/accounts/<string:code>", methods=["GET"])
@requires(*FINANCE)
@blp.response(200, AccountBalanceSchema)
def get_account(code: str):
    """One account's balance in fen."""
    return services.get_account_balance(get_session(), code)


@blp.route("/trial-balance", methods=["GET"])
@requires(*FINANCE)
@blp.response(200, TrialBalanceSchema)
def trial_balance():
    """Signed totals per account type; 'total' is 0 when every posting balances."""
    return services.trial_balance(get_session())


@blp.route("/postings/<int:posting_id>", methods=["GET"])
@requires(*FINANCE)
@blp.response(200, PostingSchema)
def get_posting(posting_id: int):
    """A posting with its entries."""
    return _posting_out(services.get_posting(get_session(), posting_id))


@blp.route("/adjustments", methods=["POST"])
@requires(Role.FINANCE)
@idempotent
@blp.arguments(AdjustmentSchema)
@blp.response(201, PostingSchema)
def create_adjustment(data: dict):
    """Post a manual, balanced adjustment (finance). Honours Idempotency-Key."""
    lines = [EntryLine(entry["account"], entry["amount"]) for entry in data["entries"]]
    try:
        posting = services.create_adjustment(
            get_session(),
            reference=f"adjustment:{uuid.uuid4()}",
            lines=lines,
            memo=data["memo"],
            created_by=current_principal().user_id,
        )
    except PostingError as error:
        raise ValidationFailed(
            "The adjustment is not a valid posting.", [FieldError("entries", str(error), "balanced")]
        ) from error
    return _posting_out(posting)


@blp.route("/postings/<int:posting_id>/reversal", methods=["POST"])
@requires(Role.FINANCE)
@idempotent
@blp.arguments(ReversalSchema)
@blp.response(201, PostingSchema)
def reverse_posting(data: dict, posting_id: int):
    """Post the exact reversal of a posting (finance). A posting is reversed at most once."""
    posting = services.reverse_posting(
        get_session(), posting_id=posting_id, memo=data["memo"], created_by=current_principal().user_id
    )
    return _posting_out(posting)
