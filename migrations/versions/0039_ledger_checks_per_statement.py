"""check the ledger's references per statement, not per row or at commit; payouts name their posting

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05 14:00:00.000000

`ledger_postings_have_entries` was a deferred constraint trigger, one plpgsql call per posting at COMMIT, each
counting that posting's entries in the partitioned ledger_entries: a transaction of 100,000 postings spent a second
or more in its COMMIT (`python -m bench settlement`), 38–44 s for 200,000. It becomes a statement trigger over the
postings the statement inserted (its transition table), one set-based join with their entries. Every writer inserts
a posting and all its entries in one statement (distro/ledger/services.py names them), and the AFTER STATEMENT
triggers of a statement with data-modifying CTEs fire once the whole statement is done, so they see the entries its
other parts inserted. The rule is stricter than before, never looser: a posting whose entries came in a later
statement of the same transaction was let through at commit and is refused now; entries are never deleted, so a
posting that had its entries at the end of its statement has them at commit.

The entries' foreign keys to postings and accounts become checks in the same statement trigger as the balance
(ledger_check_balanced, over the entries the statement inserted): each posting and account the new entries name
exists. A foreign key checks each row apart, two lookups an entry (1.3 of the 7.5 s that computing a batch of 100,000
payouts took, for its reservation's 100,000 entries); the check is one query per statement, a primary-key probe per
distinct posting and account named, without the keys' row locks. What the keys also did, keeping a referenced row from going, is kept by rules on those rows:
postings already refuse UPDATE, DELETE and TRUNCATE; ledger accounts now refuse DELETE, TRUNCATE and a change of id.

payouts.posting_id: the ledger posting that paid, returned (failed) or cancelled the payout. A recording of results
(or a cancellation) posts once per kind for all its payouts (distro/settlement/transfers.py), no longer once per
payout; each payout names that posting, and a batch's reconciliation finds its postings through it. Payouts resolved
before this migration keep their own postings (`payout:<id>:<step>`) and a NULL posting_id. A downgrade drops the
column: the reconciliation of a batch resolved since, read by the code before this migration (by reference), no longer
finds its payouts' postings and does not tie out to the ledger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PER_STATEMENT = """
DROP TRIGGER ledger_postings_have_entries ON ledger_postings;
DROP FUNCTION ledger_check_posting_has_entries();
CREATE FUNCTION ledger_check_postings_have_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.id, p.reference INTO bad
    FROM new_postings p
    WHERE (SELECT count(*) FROM ledger_entries e WHERE e.posting_id = p.id AND e.posted_at = p.created_at) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % (%) has fewer than two entries posted at its creation',
            bad.id, bad.reference USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_postings_have_entries AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_postings_have_entries();
"""
# Each posting the new entries touch balances (as 0035 wrote it), and each posting and account they name exists: a
# scalar subquery per distinct id, which PostgreSQL never turns into a join, so a probe of the primary key each, never
# a scan of postings or accounts, however many the years add (a NOT EXISTS may become a hash anti join reading them).
REFERENCES_PER_STATEMENT = """
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_posting_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey;
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- The three rules in one query (a single call into the executor for a one-posting statement), the first broken
    -- one reported.
    SELECT * INTO bad FROM (
        SELECT 1 AS rule, posting_id AS id, sum(amount) AS total, count(*) AS entries
        FROM inserted_entries
        GROUP BY posting_id
        HAVING sum(amount) <> 0 OR count(*) < 2
        UNION ALL
        SELECT 2, named.posting_id, NULL, NULL
        FROM (SELECT DISTINCT posting_id FROM inserted_entries) AS named
        WHERE (SELECT p.id FROM ledger_postings p WHERE p.id = named.posting_id) IS NULL
        UNION ALL
        SELECT 3, named.account_id, NULL, NULL
        FROM (SELECT DISTINCT account_id FROM inserted_entries) AS named
        WHERE (SELECT a.id FROM ledger_accounts a WHERE a.id = named.account_id) IS NULL
    ) AS broken
    ORDER BY rule
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    ELSIF bad.rule = 1 THEN
        RAISE EXCEPTION 'posting % is unbalanced: % new entries summing to % fen',
            bad.id, bad.entries, bad.total USING ERRCODE = 'check_violation';
    ELSIF bad.rule = 2 THEN
        RAISE EXCEPTION 'entries name posting %, which does not exist', bad.id
            USING ERRCODE = 'foreign_key_violation';
    ELSE
        RAISE EXCEPTION 'entries name ledger account %, which does not exist', bad.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
END $$;
CREATE FUNCTION ledger_refuse_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger accounts are kept: % on % is refused (entries name them by id)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_accounts_kept BEFORE DELETE OR UPDATE OF id ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_account_change();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_account_change();
"""
# As migration 0035 left them.
REFERENCES_BY_KEYS = """
DROP TRIGGER ledger_accounts_no_truncate ON ledger_accounts;
DROP TRIGGER ledger_accounts_kept ON ledger_accounts;
DROP FUNCTION ledger_refuse_account_change();
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
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_posting_id_fkey
    FOREIGN KEY (posting_id) REFERENCES ledger_postings (id);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES ledger_accounts (id);
"""
# As migration 0035 left it.
AT_COMMIT = """
DROP TRIGGER ledger_postings_have_entries ON ledger_postings;
DROP FUNCTION ledger_check_postings_have_entries();
CREATE FUNCTION ledger_check_posting_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries WHERE posting_id = NEW.id AND posted_at = NEW.created_at) < 2 THEN
        RAISE EXCEPTION 'posting % (%) has fewer than two entries posted at its creation',
            NEW.id, NEW.reference USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_postings_have_entries AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_posting_has_entries();
"""


def upgrade() -> None:
    op.execute(PER_STATEMENT)
    op.execute(REFERENCES_PER_STATEMENT)
    op.add_column("payouts", sa.Column("posting_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("payouts", "posting_id")
    op.execute(REFERENCES_BY_KEYS)
    op.execute(AT_COMMIT)
