"""Landing-page orders through the API: owners see their shop's (phones masked); suppliers see what to ship."""

from __future__ import annotations

from marshmallow import Schema, fields

from distro.api import API_PREFIX, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.shops.services import get_own_shop
from distro.storefront import services
from distro.storefront.rules import mask_phone
from distro.suppliers.services import require_approved_supplier

blp = Blueprint("storefront_api", __name__, url_prefix=API_PREFIX, description="Landing-page orders")


class ShopOrderSchema(Schema):
    order_ref = fields.String()
    product_id = fields.Integer()
    quantity = fields.Integer()
    total_fen = fields.Integer()
    status = fields.String()
    buyer_name = fields.String()
    buyer_phone = fields.Function(
        lambda checkout: mask_phone(checkout.buyer_phone),
        metadata={"description": "Masked: only the shipping supplier sees it whole."},
    )
    share_code = fields.String(allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)


class ShipmentSchema(Schema):
    order_ref = fields.String()
    product_title = fields.String()
    quantity = fields.Integer()
    buyer_name = fields.String()
    buyer_phone = fields.String(metadata={"description": "In full: the supplier needs it to ship."})
    address = fields.String()
    paid_at = fields.DateTime()


@blp.route("/shops/<int:shop_id>/orders", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, ShopOrderSchema(many=True))
@blp.paginate(SelectPage)
def shop_orders(shop_id: int):
    """Orders placed on the caller's shop pages, newest first (buyers' phones masked)."""
    get_own_shop(get_session(), current_user_id(), shop_id)
    return services.orders_of_shop_query(shop_id)


@blp.route("/supplier/shipments", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.response(200, ShipmentSchema(many=True))
@blp.paginate(SelectPage)
def shipments():
    """Paid orders of the caller's products to ship, with the buyer's full phone and address."""
    supplier = require_approved_supplier(get_session(), current_user_id())
    return Listing(
        services.shipments_query(supplier.id),
        lambda rows: [{**row["Checkout"].model_dump(), "product_title": row["title"]} for row in rows],
    )
