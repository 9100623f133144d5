"""账簿 (the ledger explorer): accounts with their balances (by kind, shop or supplier), an account's postings
newest first, and a posting with its balanced entries, each linked to the others; a manual adjustment's posting
offers its reversal, any other says who corrects it (distro/ledger/rules.py hand_reversal_refusal)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate

from distro.auth.models import Role
from distro.console import finance_ledger_queries as queries
from distro.console import finance_words as words
from distro.console.access import console_page
from distro.console.blueprint import bp, menu_item
from distro.console.lists import AN_ID, PageArgs
from distro.db import get_session
from distro.ledger.rules import hand_reversal_refusal
from distro.pages import form_messages, parse_query

menu_item(
    Role.FINANCE,
    "console.finance_ledger",
    _l("账簿"),
    order=40,
    pages=("console.finance_account", "console.finance_posting"),
)


class AccountFilters(PageArgs):
    """?kind= (an account family), ?shop= or ?supplier= (an id), and ?after= for the next page."""

    kind = fields.String(load_default=None, validate=validate.OneOf(list(queries.FAMILY_CODES)))
    shop = fields.Integer(load_default=None, validate=AN_ID)
    supplier = fields.Integer(load_default=None, validate=AN_ID)

    @pre_load
    def _left_blank(self, data: dict, **_: object) -> dict:
        # The filter form sends every field; one left blank filters nothing.
        return {name: value.strip() for name, value in data.items() if value.strip()}


FILTER_MESSAGES = {
    "kind": _l("请选择账户类别"),
    "shop": _l("请输入店铺编号（正整数）"),
    "supplier": _l("请输入供货商编号（正整数）"),
}


@bp.get("/finance/ledger")
@console_page(Role.FINANCE)
def finance_ledger() -> tuple[str, int]:
    """账簿: accounts with their balances, newest first, filtered by kind, shop or supplier."""
    try:
        args = parse_query(AccountFilters())
    except ValidationError as refused:
        errors = {name: [str(FILTER_MESSAGES.get(name, _l("请检查筛选条件")))] for name in form_messages(refused)}
        return render_template(
            "console/finance/ledger.html", page=None, args={}, errors=errors, words=words, typed=_typed()
        ), 422
    session = get_session()
    page = queries.accounts_page(
        session, family=args["kind"], shop_id=args["shop"], supplier_id=args["supplier"], after=args["after"]
    )
    names = queries.owner_names(session, [row["code"] for row in page.rows])
    return render_template(
        "console/finance/ledger.html", page=page, args=args, errors={}, words=words, typed=_typed(), names=names
    ), 200


def _typed() -> dict:
    return {name: request.args.get(name, "") for name in ("kind", "shop", "supplier")}


@bp.get("/finance/ledger/accounts/<string:code>")
@console_page(Role.FINANCE)
def finance_account(code: str) -> str:
    """An account: its balance and its postings, newest first (404 for an account the ledger has not opened)."""
    session = get_session()
    account = queries.account(session, code)
    postings = queries.account_postings(session, code, after=after_shown())
    names = queries.owner_names(session, [code])
    return render_template(
        "console/finance/ledger_account.html", account=account, postings=postings, words=words, names=names
    )


def after_shown() -> int | None:
    """The ?after= of a list's next page; a mangled one starts from the first page."""
    try:
        return parse_query(PageArgs())["after"]
    except ValidationError:
        return None


@bp.get("/finance/ledger/postings/<int:posting_id>")
@console_page(Role.FINANCE)
def finance_posting(posting_id: int) -> str:
    """A posting with its entries, debits and credits side by side, and whether finance may reverse it by hand."""
    session = get_session()
    view = queries.posting(session, posting_id)
    refusal = hand_reversal_refusal(view.posting.kind, is_reversal=view.posting.reverses_posting_id is not None)
    return render_template(
        "console/finance/ledger_posting.html",
        view=view,
        refusal=refusal,
        refusal_words=words.CORRECTED_BY.get(refusal.corrected_by, words.OTHER_FLOW) if refusal else None,
        words=words,
        errors={},
        names=queries.owner_names(session, [line.account for line in view.lines]),
    )
