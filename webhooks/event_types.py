"""Event type -> the schema its data must match; the one place that says which order event types exist.

Every order event is stored the same way, then folded with the order's other events. Schema
instances are built once, because building one costs more than validating with it.
"""

from __future__ import annotations

from marshmallow import Schema

from distro.commission.orders import CANCELLED, DELIVERED, PAID, REFUNDED, SHIPPED
from webhooks.schemas import (
    EnvelopeSchema,
    OrderCancelledSchema,
    OrderDeliveredSchema,
    OrderPaidSchema,
    OrderRefundedSchema,
    OrderShippedSchema,
)

ORDER_EVENT_SCHEMAS: dict[str, Schema] = {
    PAID: OrderPaidSchema(),
    SHIPPED: OrderShippedSchema(),
    DELIVERED: OrderDeliveredSchema(),
    REFUNDED: OrderRefundedSchema(),
    CANCELLED: OrderCancelledSchema(),
}
ENVELOPE = EnvelopeSchema()
