"""Deposit API: a supplier's own deposit (保证金), its standing and the movements of it, read-only."""

from __future__ import annotations

from sqlmodel import col

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.deposits import services
from distro.deposits.schemas import DepositMovementSchema, DepositStandingSchema
from distro.ledger.models import Entry
from distro.suppliers.services import require_reading_supplier

blp = Blueprint("deposits", __name__, url_prefix=API_PREFIX, description="A supplier's deposit (保证金)")


@blp.route("/supplier/deposit", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, DepositStandingSchema)
def get_standing():
    """The caller's deposit: required, held, short, and whether its goods may sell."""
    _, standing = services.own_standing(get_session(), current_user_id())
    return standing


@blp.route("/supplier/deposit/movements", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, DepositMovementSchema(many=True))
@blp.paginate(SelectPage)
def list_movements():
    """The postings on the caller's deposit account, newest first: paid in, drawn, returned."""
    supplier = require_reading_supplier(get_session(), current_user_id())
    assert supplier.id is not None
    return services.movements_query(supplier.id).order_by(col(Entry.id).desc())
