"""Outbound webhook subscriptions: register an endpoint, see its delivery log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_principal, current_user_id, requires
from distro.auth.models import Role
from distro.db import get_session
from distro.errors import Forbidden
from distro.outbound import services
from distro.suppliers.services import find_supplier_of, refuse_if_stopped

blp = Blueprint("outbound", __name__, url_prefix=API_PREFIX, description="Outbound webhooks")


class SubscriptionCreateSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(services.OUTBOUND_EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1),
    )


class SubscriptionSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    supplier_id = fields.Integer(allow_none=True)
    active = strict_fields.Boolean()
    created_at = fields.DateTime()


class NewSubscriptionSchema(SubscriptionSchema):
    secret = fields.String(metadata={"description": "Verify our signatures with this; shown only now."})


class DeliverySchema(Schema):
    id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


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
