"""Landing-page orders through the API: owners see their shop's (phones masked); suppliers ship and do after-sales."""

from __future__ import annotations

from flask import current_app

from distro.api import API_PREFIX, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.shops.services import get_own_shop
from distro.storefront import events, fulfilment, services
from distro.storefront.schemas import (
    AfterSalesDecisionSchema,
    AfterSalesQuerySchema,
    AfterSalesSchema,
    CancelSchema,
    DeliveredSchema,
    ShipBatchSchema,
    ShipmentSchema,
    ShipmentsQuerySchema,
    ShopOrderSchema,
)
from distro.suppliers.services import require_approved_supplier, require_reading_supplier

blp = Blueprint("storefront_api", __name__, url_prefix=API_PREFIX, description="Landing-page orders")


@blp.route("/shops/<int:shop_id>/orders", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, ShopOrderSchema(many=True))
@blp.paginate(SelectPage)
def shop_orders(shop_id: int):
    """Orders placed on the caller's shop pages, newest first (buyers' phones masked)."""
    get_own_shop(get_session(), current_user_id(), shop_id)
    return services.orders_of_shop_query(shop_id)


def _supplier_id(*, reading: bool = False) -> int:
    """The caller's approved supplier, or to read also a suspended one (403 otherwise, naming a suspension)."""
    find = require_reading_supplier if reading else require_approved_supplier
    supplier = find(get_session(), current_user_id())
    assert supplier.id is not None  # loaded from the database
    return supplier.id


def _shipment(row) -> dict:
    return {**row["Checkout"].model_dump(), "product_title": row["title"]}


@blp.route("/supplier/shipments", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.arguments(ShipmentsQuerySchema, location="query")
@blp.response(200, ShipmentSchema(many=True))
@blp.paginate(SelectPage)
def shipments(query: dict):
    """The caller's orders in one status (paid: to ship), with the buyer's full phone and address, oldest first."""
    return Listing(
        fulfilment.shipments_query(_supplier_id(reading=True), query["status"]),
        lambda rows: [_shipment(r) for r in rows],
    )


@blp.route("/supplier/shipments/ship", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(ShipBatchSchema)
@blp.response(200, ShopOrderSchema(many=True))
def ship(data: dict):
    """Mark paid orders shipped, one or many (from the shipping list), with carrier and tracking number.

    All or none: a row that cannot ship is a 422 naming it. Shipping an order again with the same
    carrier and number changes nothing.
    """
    session = get_session()
    shipped = fulfilment.ship(session=session, supplier_id=_supplier_id(), shipments=data["shipments"])
    events.ask_for_processing(current_app.config)
    return shipped


@blp.route("/supplier/orders/<order_ref>/delivered", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(DeliveredSchema)
@blp.response(200, ShopOrderSchema)
@blp.problem(409, "The order is not shipped, or was delivered otherwise.")
def delivered(data: dict, order_ref: str):
    """Record that the carrier delivered a shipped order (its return window starts then)."""
    session = get_session()
    checkout = fulfilment.mark_delivered(
        session=session, supplier_id=_supplier_id(), order_ref=order_ref, delivered_at=data["delivered_at"]
    )
    events.ask_for_processing(current_app.config)
    return checkout


@blp.route("/supplier/orders/<order_ref>/cancel", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(CancelSchema)
@blp.response(200, ShopOrderSchema)
@blp.problem(409, "The order can no longer be cancelled (it has shipped).")
def cancel(data: dict, order_ref: str):
    """Cancel an order that has not shipped, with a reason: its commission is reversed, its stock returned."""
    session = get_session()
    checkout = fulfilment.cancel_by_supplier(
        session=session, supplier_id=_supplier_id(), order_ref=order_ref, reason=data["reason"]
    )
    events.ask_for_processing(current_app.config)
    return checkout


@blp.route("/supplier/after-sales", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.arguments(AfterSalesQuerySchema, location="query")
@blp.response(200, AfterSalesSchema(many=True))
@blp.paginate(SelectPage)
def after_sales_requests(query: dict):
    """After-sales requests on the caller's orders, open ones first."""
    return Listing(
        fulfilment.after_sales_query(_supplier_id(reading=True), query["status"]),
        lambda rows: [{"id": row["AfterSalesRequest"].id, **row} for row in rows],
    )


@blp.route("/supplier/after-sales/<int:request_id>/decision", methods=["POST"])
@requires(Role.SUPPLIER)
@blp.arguments(AfterSalesDecisionSchema)
@blp.response(200, ShopOrderSchema)
@blp.problem(409, "The request was already decided.")
def decide(data: dict, request_id: int):
    """Approve a request (a full or partial refund; commission is reversed or clawed back) or refuse it, saying why."""
    session = get_session()
    _, checkout = fulfilment.decide_after_sales(
        session=session,
        supplier_id=_supplier_id(),
        supplier_user_id=current_user_id(),
        request_id=request_id,
        approve=data["decision"] == "approve",
        amount_fen=data["amount_fen"],
        reason=data["reason"],
    )
    events.ask_for_processing(current_app.config)
    return checkout
