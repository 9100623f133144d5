"""supplier console lists: checkouts by product, status and id; webhook deliveries by subscription, time and id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 05:20:00.000000

The supplier console's 发货 list (and the API's /supplier/shipments) reads a supplier's orders in one status through
its products, a page at a time by id: checkouts had no index on their product, so every page walked them all. Its
Webhook page reads an endpoint's delivery log newest first a page at a time; that index takes the place of the one
on the subscription alone, whose lookups it serves the same way.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_checkouts_product_status_id", "checkouts", ["product_id", "status", "id"])
    op.create_index(
        "ix_webhook_deliveries_subscription_log", "webhook_deliveries", ["subscription_id", "created_at", "id"]
    )
    op.drop_index("ix_webhook_deliveries_subscription_id", table_name="webhook_deliveries")


def downgrade() -> None:
    op.create_index("ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"])
    op.drop_index("ix_webhook_deliveries_subscription_log", table_name="webhook_deliveries")
    op.drop_index("ix_checkouts_product_status_id", table_name="checkouts")
