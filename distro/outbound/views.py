"""Outbound webhook subscriptions: register an endpoint, see its delivery log."""

from __future__ import annotations

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_principal, current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.errors import Forbidden
from distro.outbound import services
from distro.outbound.schemas import DeliverySchema, NewSubscriptionSchema, SubscriptionCreateSchema, SubscriptionSchema
from distro.suppliers.services import find_supplier_of, refuse_if_stopped

blp = Blueprint("outbound", __name__, url_prefix=API_PREFIX, description="Outbound webhooks")


@blp.route("/webhook-subscriptions", methods=["POST"])
@requires(Role.SUPPLIER, Role.ADMIN)
@blp.arguments(SubscriptionCreateSchema)
@blp.response(201, NewSubscriptionSchema)
@blp.problem(403, "The caller is neither an admin nor a supplier who has applied.")
def subscribe(data: dict):
    """Register an endpoint; a supplier receives events about its own products only, an admin's integration all."""
    session = get_session()
    supplier_id = None
    if not current_principal().has(Role.ADMIN):
        supplier = find_supplier_of(session, current_user_id())
        if supplier is None:
            raise Forbidden("Apply as a supplier before subscribing to events.")
        refuse_if_stopped(supplier)
        supplier_id = supplier.id
    return services.create_subscription(session=session, user_id=current_user_id(), supplier_id=supplier_id, **data)


@blp.route("/webhook-subscriptions", methods=["GET"])
@requires(Role.SUPPLIER, Role.ADMIN)
@blp.response(200, SubscriptionSchema(many=True))
@blp.paginate(SelectPage)
def list_subscriptions():
    """The caller's subscriptions."""
    return services.own_subscriptions_query(current_user_id())


@blp.route("/webhook-subscriptions/<int:subscription_id>/deliveries", methods=["GET"])
@requires(Role.SUPPLIER, Role.ADMIN)
@blp.response(200, DeliverySchema(many=True))
@blp.paginate(SelectPage)
def deliveries(subscription_id: int):
    """The delivery log of one of the caller's subscriptions, newest first."""
    return services.deliveries_query(get_session(), current_user_id(), subscription_id)
