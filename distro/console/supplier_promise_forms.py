"""The supplier console's 服务承诺 form: deadlines chosen from the platform's choices, each compensation typed in
yuan (a fixed amount) or percent (of what the buyer paid), loaded into the terms distro.promises.services takes;
and the pages' words for the rules' refusals (distro.pages.page_messages)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from distro.money import format_cny, format_rate, parse_rate, parse_yuan
from distro.pages import Checkbox
from distro.promises.rules import EXCHANGE_DAYS, Compensation, CompensationKind, PromiseBounds, PromiseTerms

COMPENSATION_KINDS = {"fixed": _l("固定金额（元）"), "percent": _l("实付金额的比例（%）")}
"""How a compensation is reckoned (rules.CompensationKind), as the form names it."""

_WHOLE = _l("请从列表中选择")


def _compensation(kind: str, typed: str | None, field: str) -> Compensation | None:
    if typed is None:
        return None
    try:
        if kind == CompensationKind.FIXED.value:
            fen = parse_yuan(typed)
            if fen < 0:
                raise ValueError(typed)
            return Compensation(CompensationKind.FIXED, fen)
        return Compensation(CompensationKind.PERCENT, parse_rate(typed))
    except ValueError:
        said = _l("请填写金额，如 10 或 9.90（元）") if kind == "fixed" else _l("请填写比例，如 10 或 12.5（%）")
        raise ValidationError({field: [str(said)]}) from None


class PromiseForm(Schema):
    """服务承诺: each deadline (blank: no promise), its compensation, the exchange window and quality inspection."""

    class Meta:
        unknown = EXCLUDE

    ship_within_hours = fields.Integer(load_default=None, error_messages={"invalid": _WHOLE})
    ship_compensation_kind = fields.String(
        load_default="fixed", validate=validate.OneOf(list(COMPENSATION_KINDS), error=_WHOLE)
    )
    ship_compensation = fields.String(load_default=None, validate=validate.Length(max=20))
    deliver_within_days = fields.Integer(load_default=None, error_messages={"invalid": _WHOLE})
    deliver_compensation_kind = fields.String(
        load_default="fixed", validate=validate.OneOf(list(COMPENSATION_KINDS), error=_WHOLE)
    )
    deliver_compensation = fields.String(load_default=None, validate=validate.Length(max=20))
    exchange_days = fields.Integer(
        load_default=None, validate=validate.OneOf(EXCHANGE_DAYS, error=_WHOLE), error_messages={"invalid": _WHOLE}
    )
    quality_inspection = Checkbox()

    @pre_load
    def _blank_is_missing(self, data: dict, **_: object) -> dict:
        # An empty choice or amount is no promise (or no compensation typed): the rules say what that means.
        return {key: value for key, value in data.items() if not (isinstance(value, str) and value.strip() == "")}

    @post_load
    def _terms(self, data: dict[str, Any], **_: object) -> PromiseTerms:
        ship, deliver = data["ship_within_hours"], data["deliver_within_days"]
        return PromiseTerms(
            ship_within_hours=ship,
            ship_compensation=None
            if ship is None
            else _compensation(data["ship_compensation_kind"], data["ship_compensation"], "ship_compensation"),
            deliver_within_days=deliver,
            deliver_compensation=None
            if deliver is None
            else _compensation(data["deliver_compensation_kind"], data["deliver_compensation"], "deliver_compensation"),
            exchange_days=data["exchange_days"],
            quality_inspection=data["quality_inspection"],
        )


def promise_refusals(bounds: PromiseBounds) -> dict[str, object]:
    """The rules' refusals (distro.promises.rules.terms_failures) in the page's words, keyed field.rule or rule."""
    fixed = _l(
        "固定赔付须在 %(low)s 到 %(high)s 之间",
        low=format_cny(bounds.min_fixed_fen),
        high=format_cny(bounds.max_fixed_fen),
    )
    rate = _l(
        "赔付比例须在 %(low)s 到 %(high)s 之间",
        low=format_rate(bounds.min_rate_bp),
        high=format_rate(bounds.max_rate_bp),
    )
    return {
        "ship_within_hours.choice": _l(
            "发货时限只能是 %(hours)s 小时", hours="、".join(str(hours) for hours in bounds.ship_hours)
        ),
        "deliver_within_days.choice": _l(
            "送达时限只能是 %(days)s 天", days="、".join(str(days) for days in bounds.deliver_days)
        ),
        "exchange_days.choice": _l("包换只能是 7 天或 15 天"),
        "required": _l("承诺时限须写明超时赔付的金额或比例"),
        "fixed_range": fixed,
        "rate_range": rate,
    }
