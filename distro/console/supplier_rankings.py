"""供货商 › 选品榜单: where the supplier's products rank in the selection center's lists (per category and
overall), with the numbers behind each place, from the newest hourly run; one product's places on its own page."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from distro.auth.models import Role
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.selection import services
from distro.selection.words import LIST_LABELS
from distro.suppliers.rules import CATEGORIES
from distro.suppliers.services import require_reading_supplier

menu_item(
    Role.SUPPLIER, "console.supplier_rankings", _l("选品榜单"), order=55, pages=("console.supplier_product_ranks",)
)


@bp.get("/supplier/rankings")
@console_page(Role.SUPPLIER)
def supplier_rankings() -> str:
    """Every place the supplier's products hold in the newest lists."""
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    assert supplier.id is not None
    return _page(services.supplier_ranks(session, supplier.id), None)


@bp.get("/supplier/rankings/<int:product_id>")
@console_page(Role.SUPPLIER)
def supplier_product_ranks(product_id: int) -> str:
    """One of the supplier's products' places (404 for a product not theirs)."""
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    assert supplier.id is not None
    return _page(services.supplier_ranks(session, supplier.id, product_id), product_id)


def _page(places: list, product_id: int | None) -> str:
    return render_template(
        "console/supplier/rankings.html",
        places=places,
        product_id=product_id,
        labels=LIST_LABELS,
        categories={"": _l("全部类目"), **CATEGORIES},
    )
