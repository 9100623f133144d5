"""收益 (earnings): the owner's commission at each stage and what each means, when pending becomes payable, every
commission line a page at a time, the statements batch by batch, and the payee accounts, with adding one.

The figures are the API's (distro/owner/earnings_queries.py reads them through the API's own queries); the hold
periods and the minimum payout are the settings settlement and commission processing use.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.auth.models import Role
from distro.commission.policy import CommissionPolicy
from distro.db import get_session
from distro.errors import NotFound
from distro.owner import earnings_queries as queries
from distro.owner import labels
from distro.owner.blueprint import bp
from distro.owner.compression import gzipped
from distro.owner.page_args import AN_ID, query_args
from distro.pages import parse_form
from distro.settlement import payees as payee_service
from distro.settlement.schemas import PayeeCreateSchema


class CursorArgs(Schema):
    """?before=<id>: where the next page of a list starts."""

    class Meta:
        unknown = EXCLUDE

    before = fields.Integer(load_default=None, validate=AN_ID)


CURSOR = CursorArgs()


CHECK_FORM = _l("请检查填写的内容")
PAYEE_MESSAGES = {
    "kind": _l("请选择收款方式"),
    "account_name": _l("请填写收款人姓名（最多 60 字）"),
    "account_number": _l("请填写 4 到 40 位账号：数字、字母或 @ . _ + -，不要空格"),
    "bank_name": _l("开户行最多 60 字"),
}
"""The page's words for a payee account field that breaks one of the API's rules."""
ACCOUNT_NUMBER_MESSAGES = {
    "bank": _l("请填写 12 到 19 位银行卡号（只填数字）"),
    "alipay": _l("请填写支付宝账号：手机号或邮箱"),
}
"""The account number's words for a kind with a rule of its own (distro.settlement.schemas.ACCOUNT_NUMBER_RULES);
other kinds (WeChat) are held to every kind's rule, PAYEE_MESSAGES's."""


class PayeeFormSchema(PayeeCreateSchema):
    """The API's payee account (distro.settlement.schemas.PayeeCreateSchema, its rules unchanged) as the page's
    form sends it, each refusal in the page's words."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _typed(self, data: dict, **_: object) -> dict:
        # A phone keyboard leaves spaces around what was typed (the API's schema drops those inside the number).
        typed = {name: value.strip() for name, value in data.items()}
        typed["bank_name"] = typed.get("bank_name") or None
        return {name: value for name, value in typed.items() if value != ""}

    def handle_error(self, error: ValidationError, data: object, *, many: bool, **kwargs: object) -> None:
        kind = str(data.get("kind", "")) if isinstance(data, Mapping) else ""
        number = ACCOUNT_NUMBER_MESSAGES.get(kind.strip(), PAYEE_MESSAGES["account_number"])
        words = {**PAYEE_MESSAGES, "account_number": number}
        raise ValidationError({name: [str(words.get(name, CHECK_FORM))] for name in error.messages_dict})


PAYEE_FORM = PayeeFormSchema()


def _policy() -> CommissionPolicy:
    return CommissionPolicy.from_settings(current_app.config)


def _wants_fragment() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/my/earnings", endpoint="earnings")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
@gzipped
def earnings_page() -> str:
    """收益: the commission at each stage, when it becomes payable, the lines, statements and payee accounts."""
    return render_template(
        "owner/earnings/index.html",
        **vars(queries.earnings(get_session(), current_user.user_id)),
        policy=_policy(),
        minimum_fen=int(current_app.config["SETTLEMENT_MIN_PAYOUT_FEN"]),
        names=labels,
    )


@bp.get("/my/earnings/lines")
@public
@login_required
@gzipped
def earnings_lines() -> str:
    """The next page of commission lines: the rows for htmx's 加载更多, else a page of its own."""
    before = query_args(CURSOR)["before"]
    lines = queries.lines_page(get_session(), current_user.user_id, before=before)
    template = "owner/earnings/_lines.html" if _wants_fragment() else "owner/earnings/lines.html"
    return render_template(template, lines=lines, policy=_policy(), names=labels)


@bp.get("/my/earnings/statements")
@public
@login_required
@gzipped
def earnings_statements() -> str:
    """The next page of statements: the rows for htmx's 加载更多, else a page of its own."""
    before = query_args(CURSOR)["before"]
    statements = queries.statements_page(get_session(), current_user.user_id, before=before)
    template = "owner/earnings/_statements.html" if _wants_fragment() else "owner/earnings/statements.html"
    return render_template(template, statements=statements, names=labels)


def _shop_owner() -> int:
    # Only a shop owner has payouts to be paid, as the API's POST /payee-accounts requires.
    if Role.SHOP_OWNER.value not in current_user.account.roles:
        raise NotFound("Payee accounts are for shop owners.")
    return current_user.user_id


@bp.get("/my/earnings/payees/new")
@public
@login_required
def new_payee() -> str:
    """The form to add a payee account (bank card, WeChat or Alipay)."""
    _shop_owner()
    return render_template("owner/earnings/payee_form.html", form={"kind": "bank"}, errors={}, names=labels)


@bp.post("/my/earnings/payees")
@public
@login_required
def add_payee() -> BaseResponse | tuple[str, int]:
    """Register a payee account (it becomes the default) and go back to 收益; the form again with what to fix."""
    owner_id = _shop_owner()
    try:
        values = parse_form(PAYEE_FORM)
    except ValidationError as error:
        typed = {name: request.form.get(name, "") for name in ("kind", "account_name", "account_number", "bank_name")}
        errors = error.normalized_messages()
        return render_template("owner/earnings/payee_form.html", form=typed, errors=errors, names=labels), 422
    payee_service.register_payee(session=get_session(), owner_id=owner_id, values=values)
    return redirect(url_for("owner.earnings", _anchor="payees"), 303)
