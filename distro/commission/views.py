"""Commission API: owners' lines and balances, suppliers' commission per order, admins' quarantine."""

from __future__ import annotations

from flask import current_app

from distro.api import API_PREFIX, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.commission import queries, services
from distro.commission.engine import Rules
from distro.commission.policy import CommissionPolicy
from distro.commission.schemas import (
    BalanceSchema,
    CommissionLineSchema,
    LineFilterSchema,
    OrderEventSchema,
    SupplierOrderSchema,
)
from distro.db import get_session
from distro.suppliers.services import require_reading_supplier
from distro.tiers.context import request_tiers

blp = Blueprint("commission", __name__, url_prefix=API_PREFIX, description="Commission lines and balances")


@blp.route("/commission/lines", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.arguments(LineFilterSchema, location="query")
@blp.response(200, CommissionLineSchema(many=True))
@blp.paginate(SelectPage)
def my_lines(args: dict):
    """The caller's commission lines (pending, payable, settled, reversed, clawed back), newest first."""
    shop_ids = queries.owner_shop_ids(get_session(), current_user_id(), args["shop_id"])
    page, count = queries.lines_of_shops(current_user_id(), shop_ids)
    return Listing(queries.owner_lines_query(current_user_id()), count=count, paged=page)


@blp.route("/commission/balances", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, BalanceSchema(many=True))
def my_balances():
    """Each of the caller's shops with its pending and available commission, from the ledger."""
    return queries.owner_balances(get_session(), current_user_id())


@blp.route("/supplier/commission/orders", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, SupplierOrderSchema(many=True))
@blp.paginate(SelectPage)
def supplier_orders():
    """The commission the caller's supplier owes, per order."""
    supplier = require_reading_supplier(get_session(), current_user_id())
    return queries.supplier_orders_query(supplier.id)


@blp.route("/admin/order-events", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, OrderEventSchema(many=True))
@blp.paginate(SelectPage)
def quarantined_events():
    """Order events set aside with a reason (unknown product or shop, amounts that do not add up)."""
    return queries.quarantined_events_query()


@blp.route("/admin/order-events/<string:event_id>/reprocess", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, OrderEventSchema)
@blp.problem(409, "The event is not quarantined.")
def reprocess_event(event_id: str):
    """Process a quarantined event again (after its cause was fixed); it may be quarantined again."""
    rules = Rules(request_tiers(), CommissionPolicy.from_settings(current_app.config))
    return services.reprocess_event(session=get_session(), event_id=event_id, rules=rules)
