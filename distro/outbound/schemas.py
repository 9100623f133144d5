"""Request and response schemas of the outbound webhook subscriptions API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from distro import strict_fields
from distro.outbound.services import OUTBOUND_EVENT_TYPES


class SubscriptionCreateSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(OUTBOUND_EVENT_TYPES)),
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
