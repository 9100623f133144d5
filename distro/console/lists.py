"""How a console list pages through a big table: newest first by id, a page at a time from the last id shown.

Keyset paging, not OFFSET: the thousandth page of 1,000,000 rows costs what the first does, and no page counts
the table. A list sorted another way pages by (that column, id) the same way, with its own WHERE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlmodel import Session

PAGE_SIZE = 50
AN_ID = validate.Range(min=1, max=2**63 - 1)


class PageArgs(Schema):
    """?after=<id>: the page after the last row shown (none: the first page). Lists add their filters to it."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=None, validate=AN_ID)


@dataclass(frozen=True)
class Page:
    """A page of rows and the id to ask for the next one after (None on the last page)."""

    rows: Sequence[Any]
    next_after: int | None


def newest_first(
    session: Session, query: sa.Select, id_column: Any, *, after: int | None, size: int = PAGE_SIZE
) -> Page:
    """The page of query's rows, newest (highest id) first, below after; one row more is read to know whether
    another page follows. Rows are mappings when query selects several columns, else the selected objects."""
    if after is not None:
        query = query.where(id_column < after)
    result = session.execute(query.order_by(id_column.desc()).limit(size + 1))
    # One entity (select(Model)) has many columns but is one object a row; several columns are a mapping.
    rows = list(result.mappings()) if len(query.column_descriptions) > 1 else list(result.scalars())
    shown = rows[:size]
    last = shown[-1] if shown else None
    last_id = None if last is None else (last["id"] if isinstance(last, sa.RowMapping) else last.id)
    return Page(shown, last_id if len(rows) > size else None)
