"""supplier console lists: checkouts by product, status and id; webhook deliveries by subscription, time and id

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 05:20:00.000000

The supplier console's 发货 list (and the API's /supplier/shipments) reads a supplier's orders in one status through
its products, a page at a time by id: checkouts had no index on their product, so every page walked them all. Its
Webhook page reads an endpoint's delivery log newest first a page at a time, by the index 0022 made for the admin's
log (subscription_id, created_at, id), which takes the place of the one on the subscription alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_checkouts_product_status_id", "checkouts", ["product_id", "status", "id"])
    op.drop_index("ix_webhook_deliveries_subscription_id", table_name="webhook_deliveries")


def downgrade() -> None:
    op.create_index("ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"])
    op.drop_index("ix_checkouts_product_status_id", table_name="checkouts")
