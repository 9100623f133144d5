"""The @idempotent view decorator: same key and request, same response, one effect."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request

from distro.auth.access import current_principal
from distro.db import close_request_session
from distro.errors import ValidationFailed
from distro.idempotency import services
from distro.validation import key_header_error

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.path.encode())
    digest.update(b"\0")
    if request.mimetype == "multipart/form-data":
        digest.update(_form_fingerprint().encode())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _form_fingerprint() -> str:
    # Clients draw a new random boundary for every multipart request, so a retry of the same upload
    # never repeats the raw body: what identifies it is its fields and each file's name and bytes.
    # A part may have no name at all (Werkzeug keys it None), which must still sort beside named ones.
    parts = [("field", name or "", "", _sha256(value.encode())) for name, value in request.form.items(multi=True)]
    for name, upload in request.files.items(multi=True):
        parts.append(("file", name or "", upload.filename or "", _sha256(upload.stream.read())))
        upload.stream.seek(0)  # the view reads the file after us
    return json.dumps(sorted(parts))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def idempotent(view: F) -> F:
    """Honour an Idempotency-Key header on a money-moving POST (the header is optional).

    The first request with a key runs and its response is stored; a retry with the same key and
    body gets that response again without running the view; the same key with a different body
    is a 422; a retry while the first is still running is a 409. Only a 2xx is stored: a request
    that failed changed nothing, so its key is freed for a retry.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        refused = key_header_error(HEADER, key, MAX_KEY_LENGTH)
        if refused:
            raise ValidationFailed("Invalid Idempotency-Key header.", [refused])
        user_id = current_principal().user_id
        make_session = current_app.extensions["distro.session_factory"]
        with make_session() as session:
            stored = services.claim(
                session=session,
                user_id=user_id,
                key=key,
                fingerprint=_fingerprint(),
                lock_seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"],
            )
        if stored is not None:
            replay = Response(stored.body, status=stored.status, mimetype="application/json")
            if stored.location:
                replay.headers["Location"] = stored.location
            replay.headers[REPLAYED_HEADER] = "true"
            return replay
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            # Nothing took effect: free the key so that the client may retry. As below, the view's
            # session ends first (rolled back), so the release never runs beside its transaction.
            close_request_session()
            with make_session() as session:
                services.release(session=session, user_id=user_id, key=key)
            raise
        # The view's work is over; ending its session first means the bookkeeping below never
        # runs inside (or waits on) the request's transaction.
        close_request_session()
        with make_session() as session:
            if 200 <= response.status_code < 300:
                services.finish(
                    session=session,
                    user_id=user_id,
                    key=key,
                    status=response.status_code,
                    body=response.get_data(as_text=True),
                    location=response.headers.get("Location"),
                )
            else:
                services.release(session=session, user_id=user_id, key=key)
        return response

    wrapper.idempotency_key = True  # type: ignore[attr-defined]  # the OpenAPI document shows the header
    return wrapper  # type: ignore[return-value]
