"""Event type -> the schema its data must match. Every order event is stored the same way, then
folded with the order's other events; the table is the one place that says which types exist."""

from __future__ import annotations

from marshmallow import Schema

from distro.commission.orders import CANCELLED, DELIVERED, PAID, REFUNDED, SHIPPED
from webhooks.schemas import (
    OrderCancelledSchema,
    OrderDeliveredSchema,
    OrderPaidSchema,
    OrderRefundedSchema,
    OrderShippedSchema,
)

ORDER_EVENT_SCHEMAS: dict[str, type[Schema]] = {
    PAID: OrderPaidSchema,
    SHIPPED: OrderShippedSchema,
    DELIVERED: OrderDeliveredSchema,
    REFUNDED: OrderRefundedSchema,
    CANCELLED: OrderCancelledSchema,
}
