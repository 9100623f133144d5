"""POST /webhooks/orders, answered in front of Flask's dispatch: verify the raw bytes, validate, store durably
(group commit: the events a process's threads hold at once in one INSERT), ask for processing, answer.

It is the request distro serves most under an order peak, and Flask's request, context, throttle and response
machinery cost three times the receipt itself (the throttle never applies to webhooks). So, as the share redirect
does (distro/share/redirect.py), it is WSGI middleware: the host check and the keep-alive guard still wrap it, and
Flask's view for the same route (webhooks/views.py, which documents it) answers with the same function.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import msgspec
import psycopg
import sqlalchemy as sa
from flask import Flask, Response
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_input_stream

from distro import untrusted_json
from distro.api import refuse_unstorable_text
from distro.commission import event_store, jobs
from distro.errors import flatten_field_messages, problem_response
from distro.group_commit import GroupCommit
from distro.validation import key_header_error
from webhooks import typed_events
from webhooks.event_types import ENVELOPE, ORDER_EVENT_SCHEMAS
from webhooks.verify import REQUIRED_HEADERS, HeaderItems, SignatureRefused, verify_signature

log = logging.getLogger(__name__)

PATH = "/webhooks/orders"
MAX_EVENT_ID_LENGTH = 255
RETRY_AFTER_SECONDS = "10"
DATABASE_DOWN = (psycopg.OperationalError, sa.exc.OperationalError, sa.exc.InterfaceError)
"""A dropped pooled connection (psycopg's own error on the driver connection) or one that cannot be had (the pool's)."""

# As Flask answers (distro/pages.py adds nosniff to every answer).
_RECEIPT_HEADERS = (("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff"))
# The headers the signature covers, as WSGI names them.
_ENVIRON_HEADERS = tuple((name, "HTTP_" + name.upper().replace("-", "_")) for name in REQUIRED_HEADERS)

_WRITER = "distro.order_event_writer"
_json_string: Callable[[str], str] = json.encoder.encode_basestring  # json.dumps' own, for ensure_ascii=False

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Receipt:
    """A 200's body: the event is stored now, or was already."""

    id: str
    status: str  # stored or duplicate

    def body(self) -> bytes:
        """As Flask's jsonify writes it (sorted keys, compact, a final newline): the id as json.dumps writes a
        string (ensure_ascii=False), without the encoder's walk of a dict (a twentieth of the request's CPU)."""
        return f'{{"id":{_json_string(self.id)},"status":"{self.status}"}}\n'.encode()


def answer(app: Flask, body: bytes, headers: HeaderItems) -> Receipt | Response:
    """The answer to one order event: a receipt (stored or duplicate), or a problem (400, 422, 503) that stores
    nothing."""
    try:
        event_id = verify_signature(body, headers, app.config["ORDER_WEBHOOK_SECRETS"])
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
    event = typed_events.accept(body) or check_with_schemas(body)
    if isinstance(event, Response):
        return event
    new_event = event_store.NewEvent(event_id, event.type, event.order_ref, msgspec.json.encode(event.data).decode())
    try:
        stored = _writer(app).submit(new_event)
    except DATABASE_DOWN as error:
        log.warning("database unavailable for an order event: %s", error)
        return problem_response(
            503,
            "Service unavailable",
            "The database is out of reach; try again shortly.",
            slug="unavailable",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    if stored:
        jobs.request_processing(gather_seconds=app.config["ORDER_BATCH_GATHER_MS"] / 1000)
    return Receipt(event_id, "stored" if stored else "duplicate")


def check_with_schemas(body: bytes) -> typed_events.Accepted | Response:
    """The event in a verified body as the marshmallow schemas (the contract) load it, or the problem that refuses
    it: 400 for a body that is not JSON, 422 naming every field that does not match its schema."""
    try:
        payload = untrusted_json.loads(body)
    except untrusted_json.JSONRefused as error:
        return problem_response(400, "Malformed body", f"The JSON body is refused: {error}.", slug="malformed-body")
    except ValueError:
        return problem_response(400, "Malformed body", "The body is not JSON.", slug="malformed-body")
    try:
        envelope = ENVELOPE.load(payload if isinstance(payload, dict) else {"_": payload})
        # The data is stored as jsonb, which refuses a NUL and an unpaired surrogate. In a JSON body that parsed
        # each can only be written as a \u escape, so a body without one needs no walk of its strings.
        if b"\\u" in body:
            refuse_unstorable_text(envelope["data"])
        data = ORDER_EVENT_SCHEMAS[envelope["type"]].load(envelope["data"])
    except ValidationError as error:
        return problem_response(
            422,
            "Validation failed",
            "The event does not match its schema.",
            slug="validation-failed",
            errors=flatten_field_messages({"json": error.normalized_messages()}),
        )
    return typed_events.Accepted(envelope["type"], envelope["data"], data["order_id"])


def _writer(app: Flask) -> GroupCommit[event_store.NewEvent, bool | Exception]:
    """The app's group commit of order events in this process (made on first use)."""
    writer = app.extensions.get(_WRITER)
    if writer is None:
        writer = app.extensions.setdefault(_WRITER, GroupCommit(lambda events: _store(app, events)))
    return writer


def _store(app: Flask, events: Sequence[event_store.NewEvent]) -> Sequence[bool | Exception]:
    """Store a batch in one autocommitted statement; whether each was stored now (False: a duplicate).

    Should the batch fail for a reason other than an outage, each event is stored on its own, so that only the
    one the database refuses fails (its error its outcome: a 500 for its request), not those that came with it.
    """
    with app.extensions["distro.driver_connection"]() as connection:
        try:
            return event_store.insert_events(connection, events)
        except DATABASE_DOWN:
            raise
        except psycopg.Error:
            if len(events) == 1:
                raise
            log.exception("a batch of %d order events failed; storing them one by one", len(events))
    return [_store_alone(app, event) for event in events]


def _store_alone(app: Flask, event: event_store.NewEvent) -> bool | Exception:
    try:
        return _store(app, [event])[0]
    except Exception as error:  # this event's answer, raised in its own request
        return error


class OrderWebhooks:
    """Middleware answering POST /webhooks/orders; every other request goes to next_app."""

    def __init__(self, app: Flask, next_app: WSGIApp) -> None:
        self.app = app
        self.next_app = next_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.next_app(environ, start_response)
        try:
            # As Flask reads a body: refused unread when its length says it is too large, cut off when it grows so.
            body = get_input_stream(environ, max_content_length=self.app.config["MAX_CONTENT_LENGTH"]).read()
        except RequestEntityTooLarge as error:
            response: Receipt | Response = problem_response(413, error.name, error.description)
        else:
            headers = {name: environ[key] for name, key in _ENVIRON_HEADERS if key in environ}
            response = answer(self.app, body, headers)
        if isinstance(response, Receipt):  # the common answer, written directly: a Response object costs 20 µs more
            content = response.body()
            start_response("200 OK", [*_RECEIPT_HEADERS, ("Content-Length", str(len(content)))])
            return [content]
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)
