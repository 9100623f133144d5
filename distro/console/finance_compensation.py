"""赔付 (promise compensation): what broken promises owe buyers (the balance of platform:buyer_compensation) and
each breach's compensation, owed or paid. Storefront orders are refunded by the job; for an order from an outside
shop, finance pays the buyer by its own means and records it here (distro.promises.payouts.record_paid_by_finance).
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response

from distro.auth.models import Role
from distro.clock import utcnow
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import AN_ID, newest_first
from distro.db import get_session
from distro.errors import Conflict
from distro.ledger.chart import BUYER_COMPENSATION
from distro.ledger.services import balances
from distro.pages import parse_query
from distro.promises import payouts
from distro.promises.models import PromiseBreach
from distro.promises.words import BREACH_KINDS

menu_item(Role.FINANCE, "console.finance_compensation", _l("赔付"), order=45)

CHANNELS = {"refund": _l("原路退款"), "finance": _l("财务支付")}
"""How a compensation reached the buyer (PromiseBreach.payout_channel), in finance's words."""


class CompensationArgs(Schema):
    """?status=owed|paid and ?after=<breach id>."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="owed", validate=validate.OneOf(["owed", "paid"]))
    after = fields.Integer(load_default=None, validate=AN_ID)


ARGS = CompensationArgs()


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    try:
        args = parse_query(ARGS)
    except ValidationError:
        args = {"status": "owed", "after": None}
    session = get_session()
    page = newest_first(
        session, payouts.compensations_query(paid=args["status"] == "paid"), PromiseBreach.id, after=args["after"]
    )
    return render_template(
        "console/finance/compensation.html",
        owed=balances(session, [BUYER_COMPENSATION])[BUYER_COMPENSATION],
        page=page,
        status=args["status"],
        kinds=BREACH_KINDS,
        channels=CHANNELS,
        error=error,
    ), status


@bp.get("/finance/compensation")
@console_page(Role.FINANCE)
def finance_compensation() -> tuple[str, int]:
    """赔付: the compensation owed to buyers in all, and each breach's, owed or paid, newest first."""
    return _page()


@bp.post("/finance/compensation/<int:breach_id>/paid")
@console_page(Role.FINANCE)
def finance_compensation_paid(breach_id: int) -> Response | tuple[str, int]:
    """Record that finance paid this breach's compensation to the buyer (an outside shop's order)."""
    try:
        payouts.record_paid_by_finance(
            session=get_session(), user_id=current_user_id(), breach_id=breach_id, now=utcnow()
        )
    except Conflict:
        return _page(_("这笔赔付已经付过，或属于本平台的订单（由系统原路退款）。"), 409)
    return redirect(url_for("console.finance_compensation", status="paid"), 303)
