"""活动 (supplier): propose an hourly slot for its own goods, and see where each proposal stands and why it was
rejected; through distro.campaigns.services, as the API does."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from distro import clock
from distro.auth.models import Role
from distro.campaigns import services
from distro.campaigns.rules import SLOT_HOURS
from distro.console.access import console_page, current_user_id
from distro.console.admin_campaigns import PHASE_NAMES, SlotForm, bounds, listing, page_errors
from distro.console.blueprint import bp, menu_item
from distro.console.supplier_products import may_change, not_yet
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.pages import form_messages, parse_form

menu_item(Role.SUPPLIER, "console.supplier_campaigns", _l("活动"), order=35)


def _page(form: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    page, items, phases = listing(services.own_campaigns_query(get_session(), current_user_id()))
    return render_template(
        "console/supplier/campaigns.html",
        page=page,
        items=items,
        phases=phases,
        phase_names=PHASE_NAMES,
        hours=SLOT_HOURS,
        form=form,
        errors=errors,
        bounds=bounds(),
        may_change=may_change(),
    ), status


@bp.get("/supplier/campaigns")
@console_page(Role.SUPPLIER)
def supplier_campaigns() -> tuple[str, int]:
    """活动: the supplier's proposals newest first, with their status and reasons, and the form to propose."""
    closed = not_yet(_("活动"))
    if closed:
        return closed
    tomorrow = clock.utcnow().astimezone(clock.BUSINESS_TZ).date() + dt.timedelta(days=1)
    return _page({"day": tomorrow.isoformat(), "hour": "10"}, {})


@bp.post("/supplier/campaigns")
@console_page(Role.SUPPLIER)
def supplier_propose_campaign() -> BaseResponse | tuple[str, int]:
    """Propose a slot for one's own product (distro.campaigns.services.propose, as the API's POST
    /supplier/campaigns); another supplier's product is not found."""
    closed = not_yet(_("活动"))
    if closed:
        return closed
    try:
        parsed = parse_form(SlotForm())
        services.propose(session=get_session(), user_id=current_user_id(), bounds=bounds(), **parsed)
    except ValidationError as refused:
        return _page(request.form.to_dict(), form_messages(refused), 422)
    except ValidationFailed as refused:
        return _page(request.form.to_dict(), page_errors(refused, bounds()), 422)
    return redirect(url_for("console.supplier_campaigns", saved=1), 303)
