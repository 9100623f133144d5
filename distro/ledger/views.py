"""Ledger API for finance: balances, the trial balance, postings, and adjustments and reversals (maker-checker)."""

from __future__ import annotations

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.idempotency.http import idempotent
from distro.ledger import adjustments, services
from distro.ledger.chart import EntryLine
from distro.ledger.schemas import (
    AccountBalanceSchema,
    AccountFilterSchema,
    AdjustmentFilterSchema,
    AdjustmentSchema,
    NewAdjustmentSchema,
    PostingSchema,
    RejectionSchema,
    ReversalSchema,
    TrialBalanceSchema,
)

blp = Blueprint("ledger", __name__, url_prefix=f"{API_PREFIX}/ledger", description="Double-entry ledger (finance)")

FINANCE = (Role.FINANCE, Role.ADMIN)


def _posting_out(posting) -> dict:
    return {**posting.model_dump(), "entries": services.posting_lines(get_session(), posting.id)}


@blp.route("/accounts", methods=["GET"])
@requires(*FINANCE)
@blp.arguments(AccountFilterSchema, location="query")
@blp.response(200, AccountBalanceSchema(many=True))
@blp.paginate(SelectPage)
def list_accounts(args: dict):
    """Accounts with their balances in fen, by code."""
    return services.accounts_with_balances_query(get_session(), args["prefix"])


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
@blp.arguments(NewAdjustmentSchema)
@blp.response(201, AdjustmentSchema)
def create_adjustment(data: dict):
    """Propose a manual, balanced adjustment (finance); it posts once another finance user approves it.
    Honours Idempotency-Key."""
    return adjustments.propose_adjustment(
        session=get_session(),
        lines=[EntryLine(entry["account"], entry["amount"]) for entry in data["entries"]],
        memo=data["memo"],
        proposed_by=current_user_id(),
    )


@blp.route("/adjustments", methods=["GET"])
@requires(*FINANCE)
@blp.arguments(AdjustmentFilterSchema, location="query")
@blp.response(200, AdjustmentSchema(many=True))
@blp.paginate(SelectPage)
def list_adjustments(args: dict):
    """Adjustments and reversals, newest first (?status=proposed: those waiting for a second finance user)."""
    return adjustments.adjustments_query(args["status"])


@blp.route("/adjustments/<int:adjustment_id>", methods=["GET"])
@requires(*FINANCE)
@blp.response(200, AdjustmentSchema)
def get_adjustment(adjustment_id: int):
    """One adjustment or reversal, with who proposed and who decided it."""
    return adjustments.get_adjustment(get_session(), adjustment_id)


@blp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@requires(Role.FINANCE)
@idempotent
@blp.response(200, AdjustmentSchema)
@blp.problem(403, "The caller lacks the finance role, or proposed this adjustment (another finance user approves it).")
@blp.problem(409, "The adjustment is no longer proposed.")
def approve_adjustment(adjustment_id: int):
    """Approve a proposed adjustment or reversal, which posts it once (not by the finance user who proposed it)."""
    return adjustments.approve(session=get_session(), adjustment_id=adjustment_id, approver=current_user_id())


@blp.route("/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@requires(Role.FINANCE)
@idempotent
@blp.arguments(RejectionSchema)
@blp.response(200, AdjustmentSchema)
@blp.problem(409, "The adjustment is no longer proposed.")
def reject_adjustment(data: dict, adjustment_id: int):
    """Reject a proposed adjustment or reversal, which then never posts (the proposer may withdraw their own)."""
    return adjustments.reject(
        session=get_session(), adjustment_id=adjustment_id, reason=data["reason"], actor=current_user_id()
    )


@blp.route("/postings/<int:posting_id>/reversal", methods=["POST"])
@requires(Role.FINANCE)
@idempotent
@blp.arguments(ReversalSchema)
@blp.response(201, AdjustmentSchema)
@blp.problem(
    409,
    "The posting is already reversed or its reversal proposed, or a flow made it: corrected_by names the flow that "
    "corrects it.",
)
def reverse_posting(data: dict, posting_id: int):
    """Propose the exact reversal of a manual adjustment (finance); it posts once another finance user approves
    it. A posting a flow made is a 409 naming the flow that corrects it."""
    return adjustments.propose_reversal(
        session=get_session(), posting_id=posting_id, memo=data["memo"], proposed_by=current_user_id()
    )
