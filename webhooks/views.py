"""POST /webhooks/orders: verify the raw bytes, validate, store durably, enqueue, answer 2xx."""

from __future__ import annotations

import logging

from flask import Response, current_app, jsonify, request
from marshmallow import ValidationError

from distro import untrusted_json
from distro.api import Blueprint, refuse_unstorable_text
from distro.auth.access import public
from distro.commission import event_store, jobs
from distro.errors import flatten_field_messages, problem_response
from distro.validation import key_header_error
from webhooks.event_types import ENVELOPE, ORDER_EVENT_SCHEMAS
from webhooks.schemas import ReceiptSchema
from webhooks.verify import SignatureRefused, verify_signature

log = logging.getLogger(__name__)

MAX_EVENT_ID_LENGTH = 255

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
    """Receive one order event."""
    body = request.get_data()
    try:
        event_id = verify_signature(body, request.headers, current_app.config["ORDER_WEBHOOK_SECRETS"])
    except SignatureRefused as error:
        return problem_response(400, "Invalid signature", str(error), slug="invalid-signature")
    refused = key_header_error("webhook-id", event_id, MAX_EVENT_ID_LENGTH)
    if refused:
        return problem_response(
            422,
            "Validation failed",
            "The webhook-id header cannot be stored.",
            slug="validation-failed",
            errors=[{**refused.as_dict(), "location": "headers"}],
        )
    try:
        payload = untrusted_json.loads(body)
    except untrusted_json.JSONRefused as error:
        return problem_response(400, "Malformed body", f"The JSON body is refused: {error}.", slug="malformed-body")
    except ValueError:
        return problem_response(400, "Malformed body", "The body is not JSON.", slug="malformed-body")
    try:
        envelope = ENVELOPE.load(payload if isinstance(payload, dict) else {"_": payload})
        refuse_unstorable_text(envelope["data"])  # the data is stored as jsonb, which refuses them
        data = ORDER_EVENT_SCHEMAS[envelope["type"]].load(envelope["data"])
    except ValidationError as error:
        return problem_response(
            422,
            "Validation failed",
            "The event does not match its schema.",
            slug="validation-failed",
            errors=flatten_field_messages({"json": error.normalized_messages()}),
        )
    with current_app.extensions["distro.driver_connection"]() as connection:
        stored = event_store.insert_event(
            connection,
            event_id=event_id,
            event_type=envelope["type"],
            order_ref=data["order_id"],
            data=envelope["data"],
        )
    if stored:
        jobs.request_processing(gather_seconds=current_app.config["ORDER_BATCH_GATHER_MS"] / 1000)
    return jsonify(status="stored" if stored else "duplicate", id=event_id)
