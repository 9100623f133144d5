"""供货商 › 考核: the supplier's own measures over the last 30 and 90 days and every monthly review of it with its
numbers; and the banner every console page shows a supplier whose newest review is a standing strike."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.quality_words import HELPERS
from distro.db import get_session
from distro.quality import services
from distro.quality.models import SupplierReview
from distro.quality.rules import Thresholds
from distro.suppliers.services import find_supplier_of, require_reading_supplier

menu_item(Role.SUPPLIER, "console.supplier_reviews", _l("考核"), order=58)


@bp.get("/supplier/reviews")
@console_page(Role.SUPPLIER)
def supplier_reviews() -> str:
    """考核: what the supplier's orders measure now, what the review holds it to, and its reviews, newest first."""
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    assert supplier.id is not None
    thresholds = Thresholds.from_settings(current_app.config)
    reviews = services.supplier_reviews(session, supplier.id)
    return render_template(
        "console/supplier/reviews.html",
        metrics=services.supplier_metrics(session, supplier.id),
        reviews=reviews,
        thresholds=thresholds,
        ship_within_hours=int(current_app.config["SUPPLIER_SHIP_WITHIN_HOURS"]),
        standing=services.standing_strikes(session, supplier.id, reviews[0].period, thresholds) if reviews else 0,
        **HELPERS,
    )


@bp.app_context_processor
def _review_notice() -> dict:
    def review_notice() -> SupplierReview | None:
        """The supplier's newest review when it is a standing strike, for the banner (None for anyone else)."""
        if not current_user.is_authenticated or Role.SUPPLIER.value not in current_user.account.roles:
            return None
        supplier = find_supplier_of(get_session(), current_user_id())
        return services.open_notice(get_session(), supplier.id) if supplier and supplier.id else None

    return {"review_notice": review_notice}
