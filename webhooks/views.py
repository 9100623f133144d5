"""POST /webhooks/orders in the API: its contract (OpenAPI) and Flask's view, answering as webhooks.receive does."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from distro.api import Blueprint
from distro.auth.access import public
from webhooks import receive
from webhooks.schemas import ReceiptSchema

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks", description="Inbound order events (Standard Webhooks)")

EXAMPLE = {
    "type": "order.paid",
    "timestamp": "2026-11-22T08:00:00+08:00",
    "data": {
        "order_id": "YJ202611220001",
        "paid_at": "2026-11-22T08:00:00+08:00",
        "buyer": {"reference": "buyer-88"},
        "shop": "xiaomei",
        "total_paid_fen": 11800,
        "lines": [{"line_id": "1", "product_id": 5, "sku": None, "quantity": 2, "paid_fen": 11800}],
    },
}


@blp.route("/orders", methods=["POST"])
@public  # authenticated by the Standard Webhooks signature, not a token
@blp.doc(
    summary="Receive an order event",
    description=(
        "Signed per Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature: "
        "HMAC-SHA256 over id.timestamp.body; timestamps more than 5 minutes away are refused). The "
        "event is stored (unique on webhook-id) before the 200; a duplicate also gets 200 and changes "
        "nothing. Types: order.paid, order.shipped, order.delivered, order.refunded, order.cancelled; "
        "their data schemas are the Order*Schema components."
    ),
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}, "example": EXAMPLE}},
    },
)
@blp.response(200, ReceiptSchema, description="Stored (or already stored).")
@blp.problem(400, "A bad signature or timestamp, or a body that is not JSON.")
@blp.problem(413, "The body is larger than MAX_CONTENT_LENGTH (16 MiB by default).")
@blp.problem(422, "The event does not match its schema, or its webhook-id cannot be stored.")
@blp.problem(503, "The database is out of reach: send it again later (Retry-After).")
def receive_order_event() -> Response:
    """Receive one order event (answered in front of Flask by webhooks.receive.OrderWebhooks, the same way)."""
    answered = receive.answer(current_app._get_current_object(), request.get_data(), request.headers)  # type: ignore[attr-defined]
    return answered if isinstance(answered, Response) else jsonify(status=answered.status, id=answered.id)
