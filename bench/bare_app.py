"""The baseline for webhook ingestion: a WSGI endpoint that does one INSERT per request, nothing else."""

from __future__ import annotations

import os
import threading

import psycopg

_local = threading.local()


def _connection() -> psycopg.Connection:
    if not hasattr(_local, "connection"):
        _local.connection = psycopg.connect(os.environ["BARE_DATABASE_DSN"], autocommit=True)
    return _local.connection


def app(environ, start_response):
    """Store the request body and answer 200."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    _connection().execute("INSERT INTO bare_events (body) VALUES (%s)", (body.decode(),))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "19")])
    return [b'{"status":"stored"}']
