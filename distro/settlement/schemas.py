"""What the settlement API reads and writes: batches, payouts, results, payees, statements, a month's figures."""

from __future__ import annotations

import re
from collections.abc import Mapping

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from distro import strict_fields
from distro.api import PLAUSIBLE_INSTANT, fits_bigint
from distro.phones import MOBILE_PATTERN
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


BANK_CARD = re.compile(r"[0-9]{12,19}")
"""A bank card number: digits only. China's debit and credit cards (UnionPay) are 16 to 19 digits, but some older
cards are shorter, so 12 to 19 are taken."""
_EMAIL = validate.Email()


def _is_email(text: str) -> bool:
    try:
        _EMAIL(text)
    except ValidationError:
        return False
    return True


ACCOUNT_NUMBER_RULES = {
    "bank": ("must be a bank card number: 12 to 19 digits", lambda number: BANK_CARD.fullmatch(number) is not None),
    "alipay": (
        "must be an Alipay account: a mainland mobile number or an email address",
        lambda number: MOBILE_PATTERN.fullmatch(number) is not None or _is_email(number),
    ),
}
"""Each kind's rule for its account number beyond every kind's (4 to 40 of 0-9 A-Z a-z @ . _ + -, which is all a
WeChat account is held to): (the API's message, the test)."""


class PayeeCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["bank", "wechat", "alipay"]))
    account_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    account_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9A-Za-z@._+-]{4,40}$"),
        metadata={"description": "Spaces are dropped. A bank card: 12 to 19 digits; Alipay: a mobile or an email."},
    )
    bank_name = fields.String(load_default=None, validate=validate.Length(max=60))

    @pre_load
    def _number_without_spaces(self, data: object, **_: object) -> object:
        # A card number is typed and printed in groups of four: the spaces are not part of it.
        if isinstance(data, Mapping) and isinstance(data.get("account_number"), str):
            return {**data, "account_number": data["account_number"].replace(" ", "")}
        return data

    @validates_schema(skip_on_field_errors=True)
    def _number_fits_kind(self, data: dict, **_: object) -> None:
        if data["kind"] in ACCOUNT_NUMBER_RULES:
            message, fits = ACCOUNT_NUMBER_RULES[data["kind"]]
            if not fits(data["account_number"]):
                raise ValidationError(message, "account_number")


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
