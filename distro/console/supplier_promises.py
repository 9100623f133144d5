"""服务承诺: the supplier promises shipping and delivery deadlines (each with its compensation), an exchange window
and quality inspection, effective for orders paid from then on; sees the badges they earn, their history, and the
breaches the promise job found with what each cost (distro.promises)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PageArgs, newest_first
from distro.console.supplier_products import may_change, not_yet
from distro.console.supplier_promise_forms import COMPENSATION_KINDS, PromiseForm, promise_refusals
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.money import format_rate, to_yuan
from distro.pages import form_messages, page_messages, parse_form, parse_query
from distro.promises import services
from distro.promises.models import PromiseBreach, SupplierPromise
from distro.promises.rules import Compensation, CompensationKind, PromiseBounds, PromiseTerms, badges
from distro.promises.words import BREACH_KINDS, badge_texts, compensation_text

PROMISE_FORM, PAGE_ARGS = PromiseForm(), PageArgs()

menu_item(
    Role.SUPPLIER, "console.supplier_promises", _l("服务承诺"), order=40, pages=("console.supplier_promise_breaches",)
)


def _bounds() -> PromiseBounds:
    return PromiseBounds.from_settings(current_app.config)


def _after() -> int | None:
    try:
        return parse_query(PAGE_ARGS)["after"]
    except ValidationError:
        return None


def _typed_compensation(compensation: Compensation | None) -> tuple[str, str]:
    """A compensation as the form shows it: its kind and the amount in yuan or the rate in percent."""
    if compensation is None:
        return "fixed", ""
    if compensation.kind is CompensationKind.FIXED:
        return "fixed", to_yuan(compensation.value)
    return "percent", format_rate(compensation.value).rstrip("%")


def _typed(terms: PromiseTerms | None) -> dict[str, str]:
    """The promises in force as the form shows them (blank: no promise)."""
    terms = terms or PromiseTerms()
    ship_kind, ship_value = _typed_compensation(terms.ship_compensation)
    deliver_kind, deliver_value = _typed_compensation(terms.deliver_compensation)
    return {
        "ship_within_hours": "" if terms.ship_within_hours is None else str(terms.ship_within_hours),
        "ship_compensation_kind": ship_kind,
        "ship_compensation": ship_value,
        "deliver_within_days": "" if terms.deliver_within_days is None else str(terms.deliver_within_days),
        "deliver_compensation_kind": deliver_kind,
        "deliver_compensation": deliver_value,
        "exchange_days": "" if terms.exchange_days is None else str(terms.exchange_days),
        "quality_inspection": "on" if terms.quality_inspection else "",
    }


def _change_row(row: SupplierPromise) -> dict:
    """One change of the history: when, the badges it earned, and each deadline's compensation."""
    terms = services.terms_of(row) or PromiseTerms()
    return {
        "effective_from": row.effective_from,
        "badges": badge_texts(badges(terms)) or [_("无承诺")],
        "ship": compensation_text(terms.ship_compensation),
        "deliver": compensation_text(terms.deliver_compensation),
    }


def _promises_page(typed: dict[str, str], errors: dict, status: int = 200) -> tuple[str, int]:
    session = get_session()
    user_id = current_user_id()
    in_force = services.own_promises(session, user_id)
    history = newest_first(
        session, services.promise_history_query(session, user_id), SupplierPromise.id, after=_after(), size=20
    )
    return render_template(
        "console/supplier/promises.html",
        typed=typed,
        errors=errors,
        bounds=_bounds(),
        badges=badge_texts(badges(in_force)),
        changes=[_change_row(row) for row in history.rows],
        history=history,
        kinds=COMPENSATION_KINDS,
        ship_options=[(hours, _("%(hours)s 小时内发货", hours=hours)) for hours in _bounds().ship_hours],
        deliver_options=[(days, _("%(days)s 天内送达", days=days)) for days in _bounds().deliver_days],
        may_change=may_change(),
        saved=request.args.get("saved"),
    ), status


@bp.get("/supplier/promises")
@console_page(Role.SUPPLIER)
def supplier_promises() -> tuple[str, int]:
    """服务承诺: the promises in force in the form, the badges they earn, and their history."""
    closed = not_yet(_("服务承诺"))
    if closed:
        return closed
    return _promises_page(_typed(services.own_promises(get_session(), current_user_id())), {})


@bp.post("/supplier/promises")
@console_page(Role.SUPPLIER)
def supplier_set_promises() -> BaseResponse | tuple[str, int]:
    """Save the promises (distro.promises.services.set_promises): orders paid from now on are judged by them."""
    typed = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        terms: PromiseTerms = parse_form(PROMISE_FORM)  # type: ignore[assignment]  # the form's post_load makes it
        services.set_promises(session=get_session(), user_id=current_user_id(), terms=terms, bounds=_bounds())
    except ValidationError as refused:
        return _promises_page(typed, form_messages(refused), 422)
    except ValidationFailed as refused:
        return _promises_page(typed, page_messages(refused, promise_refusals(_bounds())), 422)
    return redirect(url_for("console.supplier_promises", saved=1), 303)


@bp.get("/supplier/promises/breaches")
@console_page(Role.SUPPLIER)
def supplier_promise_breaches() -> tuple[str, int]:
    """超时记录: the breaches found on the supplier's orders, newest first: the deadline, when the goods went, and
    the compensation taken from the deposit for the buyer."""
    closed = not_yet(_("超时记录"))
    if closed:
        return closed
    session = get_session()
    page = newest_first(session, services.breaches_query(session, current_user_id()), PromiseBreach.id, after=_after())
    return render_template("console/supplier/promise_breaches.html", page=page, kinds=BREACH_KINDS), 200
