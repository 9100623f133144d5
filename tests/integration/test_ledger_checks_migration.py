"""Migration 0039: the ledger's references and the has-entries rule checked per statement, and back on downgrade."""

import pytest
import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.db import engine_for

ACCOUNTS = (
    "INSERT INTO ledger_accounts (id, code, type, created_at) "
    "VALUES (1, 'cash', 'asset', now()), (2, 'platform:adjustments', 'expense', now())"
)
POSTING_THEN_ENTRIES = [
    "INSERT INTO ledger_postings (id, reference, kind, memo, created_at) "
    "VALUES (7, 'two-steps', 'adjustment', '', now())",
    "INSERT INTO ledger_entries (posting_id, account_id, amount) VALUES (7, 1, 100), (7, 2, -100)",
]
FOREIGN_KEYS = (
    "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entries'::regclass AND contype = 'f' ORDER BY conname"
)


def test_0039_checks_per_statement_and_its_downgrade_restores_the_keys_and_the_check_at_commit(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0039")
    with engine.begin() as connection:
        connection.execute(sa.text(ACCOUNTS))
        assert connection.execute(sa.text(FOREIGN_KEYS)).all() == []
    # A posting whose entries follow in a later statement of the same transaction is refused by the first.
    with pytest.raises(sa.exc.DBAPIError, match="fewer than two entries"), engine.begin() as connection:
        for statement in POSTING_THEN_ENTRIES:
            connection.execute(sa.text(statement))
    command.downgrade(migrate.alembic_config(empty_db), "0038")
    with engine.begin() as connection:
        keys = connection.execute(sa.text(FOREIGN_KEYS)).scalars().all()
        assert keys == ["ledger_entries_account_id_fkey", "ledger_entries_posting_id_fkey"]
        for statement in POSTING_THEN_ENTRIES:  # checked at commit again: in two statements is let through
            connection.execute(sa.text(statement))
    # The key, not the rule on accounts (dropped), keeps an account entries name.
    with pytest.raises(sa.exc.DBAPIError, match="foreign key"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM ledger_accounts WHERE id = 2"))
    migrate.upgrade(empty_db, "0039")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM ledger_entries")).scalar_one() == 2
        assert (
            connection.execute(sa.text("SELECT count(*) FROM payouts WHERE posting_id IS NOT NULL")).scalar_one() == 0
        )
