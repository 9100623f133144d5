"""Migration 0007 moves the claims batches made on commission lines into settlement_claims, and back; 0013 marks
the ledger for batches computed before reconciliation snapshots, which are fixed once written; 0017 takes the
unused draft status away, and stops on a draft batch."""

import pytest
import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.db import engine_for

# Two shops, each with one delivered order of one line; batch 1 claimed the first shop's line.
BEFORE_0007 = [
    "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at) "
    "SELECT g, 'user' || g || '@example.cn', 'user', 'x', ARRAY['shop_owner']::varchar[], true, now() "
    "FROM generate_series(1, 3) g",
    "INSERT INTO suppliers (id, company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
    " brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
    " VALUES (1, '供应商', 100000000, true, 1000000, 1, true, 3, 'approved', now())",
    "INSERT INTO products (id, title, description, category, image_urls, price_fen, other_platform_price_fen,"
    " stock, supplier_id, status, supplier_active, commission_rate_bp, recent_sales, created_at, updated_at)"
    " VALUES (1, '普洱茶', '', 'food_health', '{}', 5000, 6000, 10, 1, 'listed', true, 2000, 0, now(), now())",
    "INSERT INTO shops (id, name, slug, owner_id, display_name, status, tier_code, created_at) "
    "SELECT g, 'shop ' || g, 'shop-' || g, g, 'shop', 'active', 'new', now() FROM generate_series(1, 2) g",
    "INSERT INTO orders (id, external_id, status, shop_id, attribution, self_purchase, total_paid_fen,"
    " total_refunded_fen, created_at, updated_at) "
    "SELECT g, 'O' || g, 'delivered', g, 'shop', false, 5000, 0, now(), now() FROM generate_series(1, 2) g",
    "INSERT INTO order_lines (id, order_id, line_ref, product_id, supplier_id, quantity, paid_fen, refunded_fen) "
    "SELECT g, g, '1', 1, 1, 1, 5000, 0 FROM generate_series(1, 2) g",
    "INSERT INTO settlement_batches (id, status, cutoff_at, created_by, lines_claimed, claimed_owner_fen,"
    " payout_total_fen, payouts_count, held_count, created_at) VALUES (1, 'ready', now(), 3, 1, 600, 600, 1, 1, now())",
    "INSERT INTO commission_lines (id, order_line_id, order_id, shop_id, supplier_id, product_id, rate_bp, tier_code,"
    " owner_share_bp, hold_days, paid_at, payable_at, stage, pool_fen, owner_fen, platform_fen, revision, settled,"
    " settlement_batch_id, created_at, updated_at) "
    "SELECT g, g, g, g, 1, 1, 2000, 'new', 6000, 7, now(), now(), 'available', 1000, 600, 400, 2, g = 1,"
    " CASE WHEN g = 1 THEN 1 END, now(), now() FROM generate_series(1, 2) g",
]


def test_lines_settled_before_the_claims_table_keep_their_batch_both_ways(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0006")
    with engine.begin() as connection:
        for statement in BEFORE_0007:
            connection.execute(sa.text(statement))
    migrate.upgrade(empty_db, "0007")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT line_id, batch_id FROM settlement_claims")).all() == [(1, 1)]
    command.downgrade(migrate.alembic_config(empty_db), "0006")
    with engine.connect() as connection:
        lines = connection.execute(
            sa.text("SELECT id, settled, settlement_batch_id FROM commission_lines ORDER BY id")
        ).all()
    assert lines == [(1, True, 1), (2, False, None)]


BEFORE_0013 = [
    "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at) "
    "VALUES (1, 'finance@example.cn', 'finance', 'x', ARRAY['finance']::varchar[], true, now())",
    "INSERT INTO ledger_accounts (id, code, type, created_at) "
    "VALUES (1, 'cash', 'asset', now()), (2, 'platform:adjustments', 'expense', now())",
    "INSERT INTO ledger_postings (id, reference, kind, memo, created_at) VALUES (41, 'seed', 'adjustment', '', now())",
    "INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (41, 1, 100), (41, 2, -100)",
    "INSERT INTO settlement_batches (id, status, cutoff_at, created_by, lines_claimed, claimed_owner_fen,"
    " payout_total_fen, payouts_count, held_count, created_at) "
    "VALUES (1, 'paid', now(), 1, 0, 0, 0, 0, 0, now()), (2, 'cancelled', now(), 1, 0, 0, 0, 0, 0, now())",
]


def test_batches_computed_before_snapshots_mark_the_ledger_so_far_and_snapshots_are_fixed_once_written(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0012")
    with engine.begin() as connection:
        for statement in BEFORE_0013:
            connection.execute(sa.text(statement))
    migrate.upgrade(empty_db, "0013")
    with engine.begin() as connection:
        batches = connection.execute(
            sa.text("SELECT id, ledger_mark, reconciliation FROM settlement_batches ORDER BY id")
        ).all()
        assert batches == [(1, 41, None), (2, None, None)]
        first_write = """UPDATE settlement_batches SET reconciliation = '{"claimed_fen": 0}' WHERE id = 2"""
        connection.execute(sa.text(first_write))
    with pytest.raises(sa.exc.IntegrityError, match="fixed when it is computed"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE settlement_batches SET reconciliation = '{}' WHERE id = 2"))
    with pytest.raises(sa.exc.IntegrityError, match="fixed when it is computed"), engine.begin() as connection:
        connection.execute(sa.text("UPDATE settlement_batches SET ledger_mark = 0 WHERE id = 1"))
    command.downgrade(migrate.alembic_config(empty_db), "0012")
    with engine.connect() as connection:
        columns = connection.execute(
            sa.text("SELECT column_name FROM information_schema.columns WHERE table_name = 'settlement_batches'")
        ).scalars()
        assert {"reconciliation", "ledger_mark", "retried_at"}.isdisjoint(set(columns))


def _batch(connection, batch_id, status):
    connection.execute(
        sa.text(
            "INSERT INTO settlement_batches (id, status, cutoff_at, created_by, lines_claimed, claimed_owner_fen,"
            " payout_total_fen, payouts_count, held_count, created_at) VALUES (:id, :status, now(), 1, 0, 0, 0, 0, 0,"
            " now())"
        ),
        {"id": batch_id, "status": status},
    )


def test_a_draft_batch_stops_the_upgrade_that_takes_the_status_away_naming_it(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0016")
    with engine.begin() as connection:
        connection.execute(sa.text(BEFORE_0013[0]))
        _batch(connection, 7, "draft")
        _batch(connection, 8, "ready")
    with pytest.raises(RuntimeError, match="settlement batches 7 are 'draft'"):
        migrate.upgrade(empty_db, "0017")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE settlement_batches SET status = 'cancelled' WHERE id = 7"))
    migrate.upgrade(empty_db, "0017")
    with pytest.raises(sa.exc.IntegrityError, match="known_status"), engine.begin() as connection:
        _batch(connection, 9, "draft")
    command.downgrade(migrate.alembic_config(empty_db), "0016")
    with engine.begin() as connection:
        _batch(connection, 9, "draft")
