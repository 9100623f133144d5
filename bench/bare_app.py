"""The baseline for webhook ingestion: a WSGI endpoint that does one INSERT per request, nothing else."""

from __future__ import annotations

import os
import threading

import psycopg

_local = threading.local()
# The raw pipeline's floor (bench/raw_pipeline.py) has its processors read what this endpoint stores from a table
# of its own.
_INSERT = f"INSERT INTO {os.environ.get('BARE_TABLE', 'bare_events')} (body) VALUES (%s)"


def _connection() -> psycopg.Connection:
    if not hasattr(_local, "connection"):
        _local.connection = psycopg.connect(os.environ["BARE_DATABASE_DSN"], autocommit=True)
    return _local.connection


def app(environ, start_response):
    """Store a POST's body and answer 200 (a GET, such as the bench's check that the server is up, stores nothing)."""
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        _connection().execute(_INSERT, (body.decode(),))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "19")])
    return [b'{"status":"stored"}']
