"""What the product's stores hold, read for the chaos drill: the demo catalogue to load it with, and afterwards
the events, orders, commission lines, postings and clicks to account for.

Read-only, in plain SQL on a connection of its own (no pool: PostgreSQL is stopped and started under it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import redis
import sqlalchemy as sa

from bench.chaos.rules import BookedLine
from distro.share.services import CLICK_STREAM


@dataclass(frozen=True)
class Listing:
    """A product a demo shop sells: its price, commission rate and the SKUs in stock (name, price)."""

    shop: str
    product_id: int
    price_fen: int
    rate_bp: int
    skus: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Catalog:
    """The demo shops' products and share links (code, shop) the load uses."""

    listings: tuple[Listing, ...]
    links: tuple[tuple[str, str], ...]

    def of_shop(self, shop: str) -> list[Listing]:
        """The listings of one shop."""
        return [listing for listing in self.listings if listing.shop == shop]

    def listing(self, shop: str, product_id: int) -> Listing | None:
        """One shop's listing of a product, if it sells it."""
        return next((item for item in self.of_shop(shop) if item.product_id == product_id), None)

    def rate_of(self, product_id: int) -> int:
        """A product's commission rate (the drill changes none)."""
        return next(listing.rate_bp for listing in self.listings if listing.product_id == product_id)


def engine(url: str) -> sa.Engine:
    """An engine that pools nothing: each census opens a fresh connection to whatever server is up now."""
    return sa.create_engine(url, poolclass=sa.NullPool)


def catalog(database: sa.Engine) -> Catalog:
    """The active shops' in-pool products with stock, and their share links."""
    with database.connect() as connection:
        products = connection.execute(
            sa.text(
                "SELECT s.slug, p.id, p.price_fen, p.commission_rate_bp FROM shops s "
                "JOIN shop_products sp ON sp.shop_id = s.id JOIN products p ON p.id = sp.product_id "
                "WHERE s.status = 'active' AND p.in_pool AND p.stock > 0 ORDER BY s.slug, sp.position"
            )
        ).all()
        skus: dict[int, list[tuple[str, int]]] = {}
        for product_id, name, price in connection.execute(
            sa.text("SELECT product_id, name, price_fen FROM product_skus WHERE stock > 0 ORDER BY id")
        ):
            skus.setdefault(product_id, []).append((name, price))
        links = connection.execute(
            sa.text(
                "SELECT l.code, s.slug FROM share_links l JOIN shops s ON s.id = l.shop_id "
                "WHERE s.status = 'active' ORDER BY l.id"
            )
        ).all()
    listings = tuple(
        Listing(slug, product_id, price, rate, tuple(skus.get(product_id, ())))
        for slug, product_id, price, rate in products
    )
    return Catalog(listings, tuple((code, slug) for code, slug in links))


def event_statuses(database: sa.Engine, id_prefix: str) -> dict[str, str]:
    """The stored order events whose webhook-id starts with id_prefix: id → status."""
    with database.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, status FROM order_events WHERE starts_with(id, :prefix)"), {"prefix": id_prefix}
        )
        return dict(rows.tuples().all())


def unprocessed_events(database: sa.Engine, order_refs: Sequence[str]) -> int:
    """How many events of these orders are stored and not yet processed."""
    with database.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM order_events WHERE status = 'received' AND order_ref = ANY(:refs)"),
            {"refs": list(order_refs)},
        ).scalar_one()


def paid_orders(database: sa.Engine, order_refs: Sequence[str]) -> set[str]:
    """Those of these orders the database holds as paid."""
    with database.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT external_id FROM orders WHERE paid_at IS NOT NULL AND external_id = ANY(:refs)"),
            {"refs": list(order_refs)},
        )
        return set(rows.scalars())


# Per order line: its commission lines, their pool, and the line's postings (references commission-line:<id>:<n>)
# counted by kind and summed on the supplier's account, which carries each line's whole pool.
_BOOKED = sa.text(
    """
    WITH lines AS (
        SELECT o.external_id, l.line_ref, c.id AS commission_line_id, c.pool_fen
        FROM orders o JOIN order_lines l ON l.order_id = o.id
        LEFT JOIN commission_lines c ON c.order_line_id = l.id
        WHERE o.external_id = ANY(:refs)
    ),
    postings AS (
        SELECT p.id, p.kind, split_part(p.reference, ':', 2)::bigint AS commission_line_id
        FROM ledger_postings p
        WHERE starts_with(p.reference, 'commission-line:')
          AND split_part(p.reference, ':', 2) IN (SELECT commission_line_id::text FROM lines)
    ),
    per_line AS (
        SELECT p.commission_line_id, count(*) FILTER (WHERE p.kind = 'accrual') AS accruals,
               coalesce(sum(supplier.amount), 0) AS ledger_fen
        FROM postings p
        LEFT JOIN LATERAL (
            SELECT sum(e.amount) AS amount FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
            WHERE e.posting_id = p.id AND starts_with(a.code, 'supplier:')
        ) supplier ON true
        GROUP BY p.commission_line_id
    )
    SELECT lines.external_id, lines.line_ref, count(lines.commission_line_id), coalesce(sum(lines.pool_fen), 0),
           coalesce(sum(per_line.accruals), 0), coalesce(sum(per_line.ledger_fen), 0)
    FROM lines LEFT JOIN per_line USING (commission_line_id)
    GROUP BY lines.external_id, lines.line_ref
    """
)


def booked_lines(database: sa.Engine, order_refs: Sequence[str]) -> dict[tuple[str, str], BookedLine]:
    """What the database holds for each line of these orders, by (order, line reference)."""
    with database.connect() as connection:
        rows = connection.execute(_BOOKED, {"refs": list(order_refs)}).all()
    return {
        (order_ref, line_ref): BookedLine(int(lines), int(pool), int(accruals), int(ledger))
        for order_ref, line_ref, lines, pool, accruals, ledger in rows
    }


@dataclass(frozen=True)
class Checkout:
    """A demo checkout of the drill's buyers, as the database holds it."""

    order_ref: str
    access_token: str
    product_id: int
    total_fen: int
    paid: bool
    notice_acknowledged: bool


def checkouts(database: sa.Engine, address_mark: str) -> list[Checkout]:
    """The checkouts whose delivery address carries address_mark (the drill's buyers')."""
    with database.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT order_ref, access_token, product_id, total_fen, paid_at IS NOT NULL, "
                "notice_acknowledged_at IS NOT NULL FROM checkouts WHERE strpos(address, :mark) > 0 ORDER BY id"
            ),
            {"mark": address_mark},
        ).all()
    return [Checkout(*row) for row in rows]


def click_totals(database: sa.Engine) -> tuple[int, int]:
    """Clicks and unique clicks folded into PostgreSQL, over every link and day."""
    with database.connect() as connection:
        clicks, uniques = connection.execute(
            sa.text("SELECT coalesce(sum(clicks), 0), coalesce(sum(unique_clicks), 0) FROM share_click_counts")
        ).one()
    return int(clicks), int(uniques)


def clicks_unfolded(database: sa.Engine, connection: redis.Redis) -> bool:
    """True while Redis's click stream holds clicks past the fold's cursor in PostgreSQL."""
    newest = cast(list[tuple[bytes, dict]], connection.xrevrange(CLICK_STREAM, count=1))
    if not newest:
        return False
    with database.connect() as sql:
        folded = sql.execute(
            sa.text("SELECT last_id FROM fold_cursors WHERE stream = :stream"), {"stream": CLICK_STREAM}
        ).scalar_one_or_none()
    return folded is None or _stream_id(newest[0][0]) > _stream_id(str(folded))


def _stream_id(value: bytes | str) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else value
    milliseconds, _, sequence = text.partition("-")
    return int(milliseconds), int(sequence or 0)
