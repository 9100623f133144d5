"""The floor for webhook ingestion end to end: the bare 1-INSERT endpoint, and processes that turn its stored
events into the rows distro writes for each paid order, in one SQL statement per batch and no other work.

Per event distro writes an order, its line, a commission line, a ledger posting and its three entries, and marks
the event processed; so does this, into copies of those tables with the same columns, indexes, checks and foreign
keys (the ledger's balance trigger and the webhook-id table left out, so it does a little less than distro must).
No signature, no validation, no attribution, rates, tiers or refunds: the statement hard-codes what the
benchmark's events need. What this pipeline cannot do on a machine, distro's cannot either.

`python -m bench.raw_pipeline DSN` runs one processor until it is terminated.
"""

from __future__ import annotations

import sys
import time

import psycopg

BATCH = 500
# A processor waits for a full batch, up to this long: a statement's fixed cost then falls on hundreds of events
# (measured on 2 cores: PostgreSQL spent about 0.35 ms an event with no wait, 0.25 waiting 50 ms, 0.21 waiting
# 200 ms), which makes this the floor at its lowest.
IDLE_SECONDS = 0.2

SETUP = """
    CREATE TABLE raw_events (id bigserial PRIMARY KEY, body text NOT NULL,
                             received_at timestamptz NOT NULL DEFAULT now(),
                             processed boolean NOT NULL DEFAULT false);
    CREATE INDEX raw_events_unprocessed ON raw_events (id) WHERE NOT processed;
    CREATE TABLE raw_orders (LIKE orders INCLUDING ALL);
    CREATE TABLE raw_order_lines (LIKE order_lines INCLUDING ALL);
    CREATE TABLE raw_commission_lines (LIKE commission_lines INCLUDING ALL);
    CREATE TABLE raw_postings (LIKE ledger_postings INCLUDING ALL);
    CREATE TABLE raw_entries (LIKE ledger_entries INCLUDING ALL);
    ALTER TABLE raw_orders ADD FOREIGN KEY (shop_id) REFERENCES shops (id);
    ALTER TABLE raw_order_lines ADD FOREIGN KEY (order_id) REFERENCES raw_orders (id),
        ADD FOREIGN KEY (product_id) REFERENCES products (id), ADD FOREIGN KEY (supplier_id) REFERENCES suppliers (id);
    ALTER TABLE raw_commission_lines ADD FOREIGN KEY (order_id) REFERENCES raw_orders (id),
        ADD FOREIGN KEY (order_line_id) REFERENCES raw_order_lines (id),
        ADD FOREIGN KEY (product_id) REFERENCES products (id), ADD FOREIGN KEY (shop_id) REFERENCES shops (id),
        ADD FOREIGN KEY (supplier_id) REFERENCES suppliers (id);
    """

# One statement a batch: claim the oldest unprocessed events, mark them, write every row of their orders.
PROCESS = """
    WITH batch AS (
        UPDATE raw_events e SET processed = true
        WHERE e.id IN (SELECT id FROM raw_events WHERE NOT processed ORDER BY id LIMIT %(batch)s
                       FOR UPDATE SKIP LOCKED)
        RETURNING e.body::jsonb -> 'data' AS d
    ), paid AS (
        SELECT nextval('orders_id_seq') AS order_id, nextval('order_lines_id_seq') AS line_id,
               nextval('commission_lines_id_seq') AS commission_id, nextval('ledger_postings_id_seq') AS posting_id,
               d ->> 'order_id' AS ref, (d ->> 'paid_at')::timestamptz AS paid_at,
               d -> 'buyer' ->> 'reference' AS buyer, (d ->> 'total_paid_fen')::bigint AS total,
               d -> 'lines' -> 0 ->> 'line_id' AS line_ref, (d -> 'lines' -> 0 ->> 'quantity')::int AS quantity,
               (d -> 'lines' -> 0 ->> 'paid_fen')::bigint AS paid_fen,
               s.id AS shop_id, p.id AS product_id, p.supplier_id, p.commission_rate_bp AS rate_bp
        FROM batch
        JOIN shops s ON s.slug = d ->> 'shop'
        JOIN products p ON p.id = (d -> 'lines' -> 0 ->> 'product_id')::bigint
    ), priced AS (
        SELECT paid.*, paid_fen * rate_bp / 10000 AS pool, paid_fen * rate_bp / 10000 * 6000 / 10000 AS owner
        FROM paid
    ), orders_written AS (
        INSERT INTO raw_orders (id, external_id, status, shop_id, attribution, share_code, buyer_reference,
                                buyer_user_id, self_purchase, total_paid_fen, total_refunded_fen, paid_at,
                                created_at, updated_at)
        SELECT order_id, ref, 'paid', shop_id, 'shop', NULL, buyer, NULL, false, total, 0, paid_at, now(), now()
        FROM priced
    ), lines_written AS (
        INSERT INTO raw_order_lines (id, order_id, line_ref, product_id, supplier_id, sku, quantity, paid_fen,
                                     refunded_fen, earns_commission)
        SELECT line_id, order_id, line_ref, product_id, supplier_id, NULL, quantity, paid_fen, 0, true FROM priced
    ), commission_written AS (
        INSERT INTO raw_commission_lines (id, order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp,
                                          tier_code, owner_share_bp, hold_days, paid_at, stage, payable_at,
                                          pool_fen, owner_fen, platform_fen, revision, created_at, updated_at)
        SELECT commission_id, line_id, order_id, shop_id, supplier_id, product_id, rate_bp, 'new', 6000, 7,
               paid_at, 'pending', NULL, pool, owner, pool - owner, 1, now(), now()
        FROM priced
    ), postings_written AS (
        INSERT INTO raw_postings (id, reference, kind, memo, created_at)
        SELECT posting_id, 'commission-line:' || commission_id || ':1', 'accrual', '订单 ' || ref, now() FROM priced
    ), entries_written AS (
        INSERT INTO raw_entries (posting_id, account_id, amount)
        SELECT posting_id, a.id, entry.amount
        FROM priced
        CROSS JOIN LATERAL (VALUES ('supplier:' || supplier_id || ':payable', pool),
                                   ('shop:' || shop_id || ':pending', -owner),
                                   ('platform:revenue', owner - pool)) AS entry (code, amount)
        JOIN ledger_accounts a ON a.code = entry.code
    )
    SELECT count(*) FROM batch
    """


def process_forever(dsn: str) -> None:
    """Process batches of stored events until terminated; after a batch that was not full, wait IDLE_SECONDS."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        while True:
            (count,) = connection.execute(PROCESS, {"batch": BATCH}).fetchone()  # type: ignore[misc]
            if count < BATCH:
                time.sleep(IDLE_SECONDS)


if __name__ == "__main__":
    process_forever(sys.argv[1])
