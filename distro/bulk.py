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
import struct
from collections.abc import Mapping
from functools import cache
from itertools import chain
from typing import Any, cast

import psycopg
from psycopg.abc import Buffer
from psycopg.rows import namedtuple_row
from psycopg.types.array import ListBinaryDumper
from sqlmodel import Session


def execute(session: Session, statement: str, params: Mapping[str, Any], *, named: bool = False) -> psycopg.Cursor[Any]:
    """Run statement (psycopg placeholders, `%(name)s`) with params in binary format; the cursor, for its rows
    (tuples, or named tuples when named)."""
    connection: psycopg.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
    cursor: psycopg.Cursor[Any] = connection.cursor(row_factory=namedtuple_row) if named else connection.cursor()
    cursor.adapters.register_dumper(list, JoinedListBinaryDumper)
    return cursor.execute(_binary_placeholders(statement), params, binary=True)


class JoinedListBinaryDumper(ListBinaryDumper):
    """psycopg's binary array dumper, whose arrays of one dimension without NULLs are dumped and joined by C
    iterators (map, zip, join) rather than element by element in Python: the worker's arrays were a third of its
    CPU. Any other list is psycopg's own (tests/unit/test_bulk.py holds the two to the same bytes)."""

    def dump(self, obj: list[Any]) -> Buffer | None:
        sub = self.sub_dumper
        if sub is None or not obj or None in obj or isinstance(obj[0], list):
            return super().dump(obj)
        dumped = list(map(sub.dump, obj))
        if None in dumped:  # an element its dumper makes NULL
            return super().dump(obj)
        items = cast("list[Buffer]", dumped)
        head = _ARRAY_HEAD.pack(1, 0, sub.oid or TEXT_OID, len(items), 1)  # one dimension, no NULL; its length
        lengths = map(_LENGTH.pack, map(len, items))
        return b"".join([head, *chain.from_iterable(zip(lengths, items, strict=True))])


_ARRAY_HEAD = struct.Struct("!IIIII")  # dimensions, has NULLs, element type; the dimension's length, lower bound
_LENGTH = struct.Struct("!i")
TEXT_OID = psycopg.postgres.types["text"].oid  # as psycopg's own: the element type of an array of unknown


@cache
def _binary_placeholders(statement: str) -> str:
    """The statement with each `%(name)s` placeholder made `%(name)b`: its parameter sent in binary format."""
    return _PLACEHOLDER.sub(r"%(\1)b", statement)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
