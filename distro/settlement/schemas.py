"""What the settlement API reads and writes: batches, payouts, results, payees, statements, a month's figures."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from distro import strict_fields
from distro.api import PLAUSIBLE_INSTANT, fits_bigint
from distro.settlement import periods
from distro.settlement.models import BATCH_STATUSES


def mask_account(number: str | None) -> str | None:
    """**** 1234: what listings show of an account number."""
    return None if number is None else f"**** {number[-4:]}"


class CutoffSchema(Schema):
    cutoff_at = fields.AwareDateTime(
        load_default=None, validate=PLAUSIBLE_INSTANT, metadata={"description": "Default: now."}
    )


class TotalsSchema(Schema):
    lines_claimed = fields.Integer()
    claimed_owner_fen = fields.Integer()
    payouts_count = fields.Integer()
    held_count = fields.Integer()
    payout_total_fen = fields.Integer()


class PreviewSchema(TotalsSchema):
    reconciliation = fields.Dict(metadata={"description": "What the batch's reconciliation would be."})


class BatchFilterSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(BATCH_STATUSES))


class BatchSchema(TotalsSchema):
    id = fields.Integer()
    status = fields.String()
    cutoff_at = fields.DateTime()
    created_by = fields.Integer()
    approved_by = fields.Integer(allow_none=True)
    reason = fields.String(
        allow_none=True, metadata={"description": "Why it was cancelled, or why its computation failed."}
    )
    created_at = fields.DateTime()
    retried_at = fields.DateTime(allow_none=True)
    computed_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    progress = fields.Dict(allow_none=True, metadata={"description": "While computing: phase, lines, shops."})


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class PayoutSchema(Schema):
    id = fields.Function(lambda row: row["Payout"].id)
    shop_id = fields.Function(lambda row: row["Payout"].shop_id)
    shop_name = fields.String()
    owner_name = fields.String()
    amount_fen = fields.Function(lambda row: row["Payout"].amount_fen)
    status = fields.Function(lambda row: row["Payout"].status)
    payee_kind = fields.Function(lambda row: row["kind"])
    payee_account = fields.Function(lambda row: mask_account(row["account_number"]))
    external_reference = fields.Function(lambda row: row["Payout"].external_reference)
    failure_reason = fields.Function(lambda row: row["Payout"].failure_reason)


class ResultSchema(Schema):
    payout_id = fields.Integer(required=True, strict=True, validate=fits_bigint(1))
    status = fields.String(required=True, validate=validate.OneOf(["paid", "failed"]))
    external_reference = fields.String(load_default=None, validate=validate.Length(max=100))
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


RESULT_ROWS = ResultSchema(many=True)


class ResultsSchema(Schema):
    results = fields.List(fields.Nested(ResultSchema), required=True, validate=validate.Length(min=1, max=10_000))


class PayeeCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["bank", "wechat", "alipay"]))
    account_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    account_number = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z@._+-]{4,40}$"))
    bank_name = fields.String(load_default=None, validate=validate.Length(max=60))


class PayeeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    account_name = fields.String()
    account_number = fields.Function(lambda account: mask_account(account.account_number))
    bank_name = fields.String(allow_none=True)
    is_default = strict_fields.Boolean()
    created_at = fields.DateTime()


class StatementSchema(Schema):
    batch_id = fields.Function(lambda row: row["Payout"].batch_id)
    batch_status = fields.String()
    cutoff_at = fields.DateTime()
    shop_id = fields.Function(lambda row: row["Payout"].shop_id)
    amount_fen = fields.Function(lambda row: row["Payout"].amount_fen)
    status = fields.Function(lambda row: row["Payout"].status)
    failure_reason = fields.Function(lambda row: row["Payout"].failure_reason)


class AuditSchema(Schema):
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    after = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


def _a_month(text: str) -> None:
    try:
        periods.month_of(text)
    except ValueError as error:
        raise ValidationError(str(error)) from error


class MonthSchema(Schema):
    month = fields.String(required=True, validate=_a_month)


class CommissionSumsSchema(Schema):
    pool_fen = fields.Integer()
    owner_fen = fields.Integer()
    platform_fen = fields.Integer()


class SupplierOwesSchema(Schema):
    supplier_id = fields.Integer()
    accrued_fen = fields.Integer()
    reversed_fen = fields.Integer()
    clawed_back_fen = fields.Integer()
    remitted_fen = fields.Integer(metadata={"description": "What the supplier remitted against its dues (approved)."})
    owed_fen = fields.Integer(metadata={"description": "The month's net change of what the supplier owes."})


class PeriodSchema(Schema):
    month = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    accrued = fields.Nested(CommissionSumsSchema)
    reversed = fields.Nested(CommissionSumsSchema)
    clawed_back = fields.Nested(CommissionSumsSchema)
    released_fen = fields.Integer()
    reserved_fen = fields.Integer()
    paid_fen = fields.Integer()
    failed_returned_fen = fields.Integer()
    cancelled_returned_fen = fields.Integer()
    adjustments_to_owners_fen = fields.Integer()
    owed_to_owners_change_fen = fields.Integer()
    unclassified_kinds = fields.List(fields.String())
    owed_by_supplier = fields.List(fields.Nested(SupplierOwesSchema))
    identity = fields.String()
    ties_out = strict_fields.Boolean()
