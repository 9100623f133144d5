"""平台管理 › 供货商考核: a month's reviews with the numbers behind each outcome, filtered by outcome, and an admin's
overrule of a strike with a reason (distro.quality.services.overrule: the strike counts no more, a suspension it made
is lifted)."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlmodel import col
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.clock import utcnow
from distro.console.access import console_page, current_user_id
from distro.console.admin_forms import OWN_ACCOUNT, ReasonForm, blank_is_none
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.console.quality_words import HELPERS, OUTCOMES
from distro.db import get_session
from distro.errors import Forbidden, ValidationFailed
from distro.pages import form_messages, page_messages, parse_form
from distro.quality import services
from distro.quality.models import SupplierReview
from distro.suppliers.models import Supplier
from distro.tiers.rules import previous_month

menu_item(Role.ADMIN, "console.admin_reviews", _l("供货商考核"), order=25, pages=("console.admin_review_overrule",))

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
WORDS = {"required": _l("请填写理由"), "not_strike": _l("只有警告或暂停可以撤销")}


def _month(text: str) -> dt.date | None:
    found = MONTH.match(text.strip())
    return dt.date(int(found[1]), int(found[2]), 1) if found else None


@bp.get("/admin/reviews")
@console_page(Role.ADMIN)
def admin_reviews() -> tuple[str, int]:
    """供货商考核: the month's reviews (the newest month reviewed by default), newest first, of one outcome or all."""
    session = get_session()
    errors: dict[str, list[str]] = {}
    typed = request.args.get("month", "").strip()
    month = _month(typed) if typed else (services.newest_period(session) or previous_month(utcnow()))
    if month is None:
        errors["month"] = [str(_l("请输入月份，格式为 YYYY-MM，例如 2026-11"))]
    outcome = request.args.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        errors["outcome"] = [str(_l("请选择考核结果"))]
    try:
        after = PageArgs().load(blank_is_none({"after": request.args.get("after", "")}))["after"]
    except ValidationError:
        after = None
    page = None
    if not errors:
        assert month is not None
        page = newest_first(session, services.month_reviews_query(month, outcome), col(SupplierReview.id), after=after)
    return render_template(
        "console/admin/reviews.html",
        page=page,
        month=f"{month:%Y-%m}" if month else typed,
        outcome=outcome or "",
        errors=errors,
        done=request.args.get("done") == "overruled",
        **HELPERS,
    ), (422 if errors else 200)


def _overrule_page(review_id: int, errors: dict, status: int = 200, refusal=None) -> tuple[str, int]:
    session = get_session()
    review = services.get_review(session, review_id)
    supplier = session.get(Supplier, review.supplier_id)
    return render_template(
        "console/admin/review_overrule.html",
        review=review,
        supplier=supplier,
        errors=errors,
        refusal=refusal,
        **HELPERS,
    ), status


@bp.get("/admin/reviews/<int:review_id>/overrule")
@console_page(Role.ADMIN)
def admin_review_overrule(review_id: int) -> tuple[str, int]:
    """Before overruling: the review's numbers, what overruling does, and the reason asked."""
    return _overrule_page(review_id, {})


@bp.post("/admin/reviews/<int:review_id>/overrule")
@console_page(Role.ADMIN)
def admin_review_overrule_post(review_id: int) -> BaseResponse | tuple[str, int]:
    """Overrule the review with the reason given; back to its month's list."""
    try:
        form = parse_form(ReasonForm())
        review = services.overrule(
            session=get_session(),
            review_id=review_id,
            admin_id=current_user_id(),
            reason=form["reason"],
            settings=current_app.config,
        )
    except ValidationError as refused:
        return _overrule_page(review_id, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _overrule_page(review_id, page_messages(refused, WORDS), 422)
    except Forbidden:
        return _overrule_page(review_id, {}, 403, OWN_ACCOUNT)
    return redirect(url_for("console.admin_reviews", month=f"{review.period:%Y-%m}", done="overruled"), 303)
