"""console operations: audit log search and the delivery log, newest first by (created_at, id)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 06:00:00.000000

The admin console searches the audit log by actor, action, object type or time range, newest first, a page at a
time; each filter gets an index in that order, so a page reads about 50 index entries whether the log holds a
thousand entries or a million (bench/bench_console_audit.py). Its delivery log lists every subscription's
deliveries, or one subscription's, newest first the same way.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_created", "audit_log", ["created_at", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id", "created_at", "id"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "created_at", "id"])
    op.create_index("ix_audit_log_subject_type", "audit_log", ["subject_type", "created_at", "id"])
    op.create_index("ix_webhook_deliveries_created", "webhook_deliveries", ["created_at", "id"])
    op.create_index(
        "ix_webhook_deliveries_subscription_created", "webhook_deliveries", ["subscription_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_subscription_created", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_created", table_name="webhook_deliveries")
    op.drop_index("ix_audit_log_subject_type", table_name="audit_log")
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_index("ix_audit_log_created", table_name="audit_log")
