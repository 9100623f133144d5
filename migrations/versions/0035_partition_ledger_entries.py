"""partition ledger_entries by month of posted_at; check balance from the inserted rows alone

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 12:00:00.000000

Entries get posted_at, their posting's created_at (rows already there take their posting's), and the table is
RANGE-partitioned on it by Asia/Shanghai month (distro/partitions/): partitions from the month of the earliest
posting through the months made ahead, and a default. The primary key becomes (id, posted_at), as a partitioned
table's must hold its partition key; ids still come from the same sequence, so the balance snapshots' marks by entry
id are unchanged. Everything the table had stays: the check on amounts, the foreign keys to postings and accounts,
the indexes by posting and by (account, posting), the append-only and no-truncate triggers and the balance check.

The rules, rewritten for a partitioned table:
* the balance check reads only the rows the statement inserted (its transition table), no longer the table: every
  posting balanced before the statement, so it still balances after it exactly when the statement's new entries for
  it sum to zero (two at least: an entry is never zero). It runs per statement on the parent, and on each partition
  too, for an INSERT that names a partition directly (a statement trigger fires only on the table it names);
* TRUNCATE is refused on each partition as on the parent (row triggers reach partitions by themselves; statement
  triggers do not); maintenance.PartitionedTable.each_partition adds both to every partition made later;
* the check at commit that a posting has entries looks in its own month's partition: the entries posted at its
  created_at. A posting whose entries carry another time is refused there, as one without entries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from distro.clock import BUSINESS_TZ, utcnow
from distro.partitions import maintenance, rules

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPEC = maintenance.LEDGER_ENTRIES

CREATE_PARTITIONED = """
CREATE TABLE ledger_entries (
    id bigint NOT NULL DEFAULT nextval('ledger_entries_id_seq'),
    posting_id bigint NOT NULL,
    account_id bigint NOT NULL,
    amount bigint NOT NULL,
    posted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT non_zero_amount CHECK (amount <> 0)
) PARTITION BY RANGE (posted_at)
"""
CONSTRAINTS = """
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id, posted_at);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_posting_id_fkey
    FOREIGN KEY (posting_id) REFERENCES ledger_postings (id);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES ledger_accounts (id);
CREATE INDEX ix_ledger_entries_posting_id ON ledger_entries (posting_id);
CREATE INDEX ix_ledger_entries_account_id_posting_id ON ledger_entries (account_id, posting_id);
"""
RULES = """
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT posting_id, sum(amount) AS total, count(*) AS entries INTO bad
    FROM inserted_entries
    GROUP BY posting_id
    HAVING sum(amount) <> 0 OR count(*) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % is unbalanced: % new entries summing to % fen',
            bad.posting_id, bad.entries, bad.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_check_posting_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries WHERE posting_id = NEW.id AND posted_at = NEW.created_at) < 2 THEN
        RAISE EXCEPTION 'posting % (%) has fewer than two entries posted at its creation',
            NEW.id, NEW.reference USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_balanced();
"""


def upgrade() -> None:
    connection = op.get_bind()
    op.execute("ALTER TABLE ledger_entries RENAME TO ledger_entries_unpartitioned")
    op.execute("ALTER TABLE ledger_entries_unpartitioned RENAME CONSTRAINT ledger_entries_pkey TO unpartitioned_pkey")
    op.execute("DROP INDEX ix_ledger_entries_posting_id, ix_ledger_entries_account_id_posting_id")
    op.execute(CREATE_PARTITIONED)
    # The sequence goes with the new table (dropping the old one would drop it): ids carry on where they were.
    op.execute("ALTER SEQUENCE ledger_entries_id_seq OWNED BY ledger_entries.id")
    earliest = connection.scalar(sa.text("SELECT min(created_at) FROM ledger_postings"))
    today = utcnow().astimezone(BUSINESS_TZ).date()
    first = earliest.astimezone(BUSINESS_TZ).date() if earliest else today
    months = rules.months_from(first, rules.months_to_have(today)[-1])
    maintenance.ensure_partitions(connection, SPEC, months)
    # Moved before the keys, indexes and checks exist, which are then built once over the moved rows; every row moved
    # was checked when it was first written.
    op.execute(
        "INSERT INTO ledger_entries (id, posting_id, account_id, amount, posted_at) "
        "SELECT e.id, e.posting_id, e.account_id, e.amount, p.created_at "
        "FROM ledger_entries_unpartitioned e JOIN ledger_postings p ON p.id = e.posting_id ORDER BY e.id"
    )
    op.execute("DROP TABLE ledger_entries_unpartitioned")
    op.execute(CONSTRAINTS)
    op.execute(RULES)


def downgrade() -> None:
    op.execute("ALTER TABLE ledger_entries RENAME TO ledger_entries_partitioned")
    op.execute("ALTER TABLE ledger_entries_partitioned RENAME CONSTRAINT ledger_entries_pkey TO partitioned_pkey")
    op.execute("DROP INDEX ix_ledger_entries_posting_id, ix_ledger_entries_account_id_posting_id")
    op.execute(
        "CREATE TABLE ledger_entries (id bigint NOT NULL DEFAULT nextval('ledger_entries_id_seq'),"
        " posting_id bigint NOT NULL, account_id bigint NOT NULL, amount bigint NOT NULL,"
        " CONSTRAINT non_zero_amount CHECK (amount <> 0))"
    )
    op.execute("ALTER SEQUENCE ledger_entries_id_seq OWNED BY ledger_entries.id")
    op.execute(
        "INSERT INTO ledger_entries (id, posting_id, account_id, amount) "
        "SELECT id, posting_id, account_id, amount FROM ledger_entries_partitioned ORDER BY id"
    )
    op.execute("DROP TABLE ledger_entries_partitioned")
    op.execute(CONSTRAINTS.replace("PRIMARY KEY (id, posted_at)", "PRIMARY KEY (id)"))
    op.execute(
        """
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT e.posting_id, sum(e.amount) AS total, count(*) AS entries INTO bad
    FROM ledger_entries e
    WHERE e.posting_id IN (SELECT DISTINCT posting_id FROM inserted_entries)
    GROUP BY e.posting_id
    HAVING sum(e.amount) <> 0 OR count(*) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % is unbalanced: % entries summing to % fen',
            bad.posting_id, bad.entries, bad.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ledger_check_posting_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries WHERE posting_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'posting % (%) has fewer than two entries', NEW.id, NEW.reference
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_balanced();
"""
    )
