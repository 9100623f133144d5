"""Shop API: owners open shops and pick pool products; the pool; admin approval; the public shop."""

from __future__ import annotations

from flask import current_app

from distro.api import API_PREFIX, AdminReasonSchema, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, public, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.errors import FieldError, ValidationFailed
from distro.shops import moderation, services
from distro.shops.credit import credit_score_provider
from distro.shops.rules import ShopAction, ShopPolicy
from distro.shops.schemas import (
    AllowanceResultSchema,
    AllowanceSchema,
    PoolFilterSchema,
    PoolItemSchema,
    PublicShopSchema,
    ShopCloseSchema,
    ShopCreateSchema,
    ShopFilterSchema,
    ShopItemCreateSchema,
    ShopItemOrderSchema,
    ShopItemReasonSchema,
    ShopItemSchema,
    ShopSchema,
)
from distro.tiers.context import request_tiers

blp = Blueprint("shops", __name__, url_prefix=API_PREFIX, description="Shops, the supplier pool and shop pages")


def _policy() -> ShopPolicy:
    return ShopPolicy.from_settings(current_app.config)


def _item(row) -> services.ShopItem:
    return services.ShopItem(row.Product, row.reason, row.position)


@blp.route("/shops", methods=["POST"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ShopCreateSchema)
@blp.response(201, ShopSchema)
def open_shop(data: dict):
    """Open a micro-shop (eligibility, one shop per owner unless allowed more, name and slug rules)."""
    return services.open_shop(
        session=get_session(),
        owner_id=current_user_id(),
        name=data["name"],
        slug=data["slug"],
        policy=_policy(),
        credit=credit_score_provider(current_app.config),
    )


@blp.route("/shops", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, ShopSchema(many=True))
@blp.paginate(SelectPage)
def list_shops():
    """The caller's shops."""
    return services.own_shops_query(current_user_id())


@blp.route("/shops/<int:shop_id>", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, ShopSchema)
def get_shop(shop_id: int):
    """One of the caller's shops."""
    return services.get_own_shop(get_session(), current_user_id(), shop_id)


@blp.route("/shops/<int:shop_id>/products", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, ShopItemSchema(many=True))
@blp.paginate(SelectPage)
def list_items(shop_id: int):
    """The shop's products in the owner's order, with reasons (those that left the pool show in_pool=false)."""
    services.get_own_shop(get_session(), current_user_id(), shop_id)
    return Listing(services.shop_items_query(shop_id, visible_only=False), lambda rows: [_item(row) for row in rows])


@blp.route("/shops/<int:shop_id>/products", methods=["POST"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ShopItemCreateSchema)
@blp.response(201, ShopItemSchema)
@blp.problem(409, "The product is already in this shop.")
def add_item(data: dict, shop_id: int):
    """Pick a pool product into the shop (last in order), with an optional recommendation reason."""
    return services.add_product(
        session=get_session(), owner_id=current_user_id(), shop_id=shop_id, policy=_policy(), **data
    )


@blp.route("/shops/<int:shop_id>/products/<int:product_id>", methods=["PATCH"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ShopItemReasonSchema)
@blp.response(200, ShopItemSchema)
def set_reason(data: dict, shop_id: int, product_id: int):
    """Change the recommendation reason (the owner can change nothing else about a product)."""
    return services.set_reason(
        session=get_session(),
        owner_id=current_user_id(),
        shop_id=shop_id,
        product_id=product_id,
        reason=data["reason"],
        policy=_policy(),
    )


@blp.route("/shops/<int:shop_id>/products/<int:product_id>", methods=["DELETE"])
@requires(Role.SHOP_OWNER)
@blp.response(204)
def remove_item(shop_id: int, product_id: int):
    """Take a product out of the shop."""
    services.remove_product(session=get_session(), owner_id=current_user_id(), shop_id=shop_id, product_id=product_id)


@blp.route("/shops/<int:shop_id>/products/order", methods=["PUT"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ShopItemOrderSchema)
@blp.response(204)
def reorder(data: dict, shop_id: int):
    """Arrange the shop's products: send every product id once, in the new order."""
    services.reorder_products(
        session=get_session(), owner_id=current_user_id(), shop_id=shop_id, product_ids=data["product_ids"]
    )


@blp.route("/pool", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.arguments(PoolFilterSchema, location="query")
@blp.response(200, PoolItemSchema(many=True))
@blp.paginate(SelectPage)
@blp.problem(404, "shop_id names no shop of the caller's.")
def browse_pool(args: dict):
    """Browse the supplier pool: filter, sort, page; each item shows what the owner would earn at their tier."""
    if (
        args["min_price_fen"] is not None
        and args["max_price_fen"] is not None
        and (args["min_price_fen"] > args["max_price_fen"])
    ):
        raise ValidationFailed(
            "The price range is empty.", [FieldError("min_price_fen", "must not exceed max_price_fen", "range")]
        )
    tier = services.owner_tier(get_session(), current_user_id(), args.pop("shop_id"), request_tiers())
    pool_filter = services.PoolFilter(keyword=args.pop("q"), **args)
    return Listing(
        services.pool_query(pool_filter), lambda products: services.with_earnings(products, tier), replica=True
    )


@blp.route("/admin/shops", methods=["GET"])
@requires(Role.ADMIN)
@blp.arguments(ShopFilterSchema, location="query")
@blp.response(200, ShopSchema(many=True))
@blp.paginate(SelectPage)
def admin_list_shops(args: dict):
    """All shops, optionally by status (status=pending_approval is the approval queue)."""
    return services.shops_query(args["status"])


@blp.route("/admin/shops/<int:shop_id>/approve", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(200, ShopSchema)
@blp.problem(409, "The shop is not waiting for approval.")
def approve_shop(shop_id: int):
    """Open a shop that waits for approval (when SHOP_ELIGIBILITY is admin_approval)."""
    return services.approve_shop(session=get_session(), shop_id=shop_id, admin_id=current_user_id())


@blp.route("/admin/shops/<int:shop_id>/suspend", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, ShopSchema)
@blp.problem(403, "The caller lacks the admin role, or the shop is of their own account.")
@blp.problem(409, "The action does not apply to the shop's status (a closed shop stays closed).")
def suspend_shop(data: dict, shop_id: int):
    """Suspend a shop at once: its pages and links say so and take no orders, it is attributed no new
    orders, and its commission is not paid out until it is reinstated."""
    return moderation.decide(
        session=get_session(),
        shop_id=shop_id,
        action=ShopAction.SUSPEND,
        reason=data["reason"],
        admin_id=current_user_id(),
    )


@blp.route("/admin/shops/<int:shop_id>/reinstate", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(AdminReasonSchema)
@blp.response(200, ShopSchema)
@blp.problem(403, "The caller lacks the admin role, or the shop is of their own account.")
@blp.problem(409, "The action does not apply to the shop's status (a closed shop stays closed).")
def reinstate_shop(data: dict, shop_id: int):
    """Reopen a suspended shop: it sells again, earns on orders paid from now on, and is paid what it holds."""
    return moderation.decide(
        session=get_session(),
        shop_id=shop_id,
        action=ShopAction.REINSTATE,
        reason=data["reason"],
        admin_id=current_user_id(),
    )


@blp.route("/admin/shops/<int:shop_id>/close", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(ShopCloseSchema)
@blp.response(200, ShopSchema)
@blp.problem(403, "The caller lacks the admin role, or the shop is of their own account.")
@blp.problem(409, "The action does not apply to the shop's status (a closed shop stays closed).")
def close_shop(data: dict, shop_id: int):
    """Close a shop for good; its unsettled commission is frozen for review unless pay_earned."""
    return moderation.decide(
        session=get_session(),
        shop_id=shop_id,
        action=ShopAction.CLOSE,
        reason=data["reason"],
        admin_id=current_user_id(),
        pay_earned=data["pay_earned"],
    )


@blp.route("/admin/users/<int:user_id>/shop-allowance", methods=["PUT"])
@requires(Role.ADMIN)
@blp.arguments(AllowanceSchema)
@blp.response(200, AllowanceResultSchema)
def set_allowance(data: dict, user_id: int):
    """Let an owner with a proven record open more shops."""
    return services.set_shop_allowance(
        session=get_session(), user_id=user_id, max_shops=data["max_shops"], admin_id=current_user_id()
    )


@blp.route("/public/shops/<string:slug>", methods=["GET"])
@public
@blp.response(200, PublicShopSchema)
def public_shop(slug: str):
    """A shop's page data for buyers: its products and the owner's reasons (no commission shown)."""
    shop, rows = services.public_shop(get_session(), slug)
    products = [{**row.Product.model_dump(), "reason": row.reason} for row in rows]
    return {"display_name": shop.display_name, "slug": shop.slug, "products": products}
