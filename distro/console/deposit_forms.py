"""What the deposit pages share: the bank account form a returned deposit is paid to, the refusals' words, and the
after-sales window a return waits for."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from distro.commission.policy import CommissionPolicy
from distro.deposits import rules

RETURN_REFUSALS = {
    rules.RETURNING: _l("保证金正在退还中，请稍候。"),
    rules.NOTHING_HELD: _l("没有可退还的保证金。"),
    rules.OWED: _l("还有欠平台的佣金未结清，结清后才能退还保证金。"),
    rules.OPEN_ORDERS: _l("还有未送达或仍在售后期内的订单，售后期结束后才能退还保证金。"),
}
"""Why a return is refused (rules.return_refusal), in the supplier's words."""


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(str(_l("请填写")))


class ReturnForm(Schema):
    """申请退还保证金: the company bank account the deposit goes back to."""

    class Meta:
        unknown = EXCLUDE

    account_name = fields.String(
        required=True,
        validate=[validate.Length(max=100, error=_l("最多 100 字")), _not_blank],
        error_messages={"required": _l("请填写开户名")},
    )
    account_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{8,30}\Z", error=_l("请填写 8 到 30 位数字的银行账号")),
        error_messages={"required": _l("请填写银行账号")},
    )
    bank_name = fields.String(
        required=True,
        validate=[validate.Length(max=100, error=_l("最多 100 字")), _not_blank],
        error_messages={"required": _l("请填写开户银行")},
    )


def window_days() -> int:
    # The longest after-sales window: an order delivered less long ago may still come back.
    policy = CommissionPolicy.from_settings(current_app.config)
    return max([policy.hold_days, *policy.hold_days_by_category.values()])
