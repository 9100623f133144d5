"""Set-based statements whose parameters are arrays of a whole batch, sent in PostgreSQL's binary format.

A batch writes its rows as one array per column (INSERT … SELECT FROM unnest, UPDATE … FROM unnest). psycopg
dumps a Python list in text format one element at a time, checking each string for characters to quote: about
0.8 ms for an array of 500 values, most of a batch's CPU in the client. In binary format the same array takes a
fifth of that, and nothing is quoted. A parameter's format is its placeholder's (`%(name)b` binary, `%(name)s`
whichever psycopg picks, text for a list of strings; `binary=True` is the results' format alone), so the
statements are written with `%(name)s` and sent with `%(name)b`. The statement runs on the session's own
connection, in its transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlmodel import Session


def execute(session: Session, statement: str, params: Mapping[str, Any], *, named: bool = False) -> psycopg.Cursor[Any]:
    """Run statement (psycopg placeholders, `%(name)s`) with params in binary format; the cursor, for its rows
    (tuples, or named tuples when named)."""
    connection: psycopg.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
    cursor: psycopg.Cursor[Any] = connection.cursor(row_factory=namedtuple_row) if named else connection.cursor()
    return cursor.execute(_binary_placeholders(statement), params, binary=True)


@cache
def _binary_placeholders(statement: str) -> str:
    """The statement with each `%(name)s` placeholder made `%(name)b`: its parameter sent in binary format."""
    return _PLACEHOLDER.sub(r"%(\1)b", statement)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
