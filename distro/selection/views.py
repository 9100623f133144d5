"""Selection center API: the ranked lists (with the numbers behind each rank) and the curated collections, each
product with what the owner would earn at their tier."""

from __future__ import annotations

from distro.api import API_PREFIX, Blueprint, Listing, SelectPage
from distro.auth.access import current_user_id, requires
from distro.auth.models import Role
from distro.db import get_replica_session, get_session
from distro.errors import NotFound
from distro.selection import services
from distro.selection.rules import LISTS
from distro.selection.schemas import CollectionSchema, ListArgsSchema, RankedItemSchema, ShopArgsSchema
from distro.shops.schemas import PoolItemSchema
from distro.shops.services import owner_tier, with_earnings
from distro.tiers.context import request_tiers

blp = Blueprint("selection", __name__, url_prefix=API_PREFIX, description="The selection center (选品中心)")


@blp.route("/selection/lists/<string:name>", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, RankedItemSchema(many=True))
@blp.paginate(SelectPage)
@blp.problem(404, "No such list (hot7, hot30, rising, repurchase, conversion, new), or shop_id is not the caller's.")
def ranked_list(args: dict, name: str):
    """A ranked list, overall or of a category, best first, from the newest hourly run: each product with its rank,
    the numbers behind it and what the owner would earn at their tier."""
    if name not in LISTS:
        raise NotFound("No such list.")
    session = get_session()
    tier = owner_tier(session, current_user_id(), args["shop_id"], request_tiers())
    query = services.ranking_query(services.current_run_id(get_replica_session()), name, args["category"])
    return Listing(query, lambda rows: services.ranked_items(rows, tier), replica=True)


@blp.route("/selection/collections", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, CollectionSchema(many=True))
@blp.paginate(SelectPage)
def collections():
    """The collections (zones) the platform's admins curate, in their order."""
    return Listing(services.collections_query(), replica=True)


@blp.route("/selection/collections/<int:collection_id>/products", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.arguments(ShopArgsSchema, location="query")
@blp.response(200, PoolItemSchema(many=True))
@blp.paginate(SelectPage)
@blp.problem(404, "No such collection, or shop_id is not the caller's.")
def collection_products(args: dict, collection_id: int):
    """A collection's products in the pool, in the admins' order, with what the owner would earn at their tier."""
    session = get_session()
    services.get_collection(session, collection_id)
    tier = owner_tier(session, current_user_id(), args["shop_id"], request_tiers())
    return Listing(
        services.collection_products_query(collection_id), lambda products: with_earnings(products, tier), replica=True
    )
