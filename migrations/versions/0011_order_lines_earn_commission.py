"""order lines earn commission only for products their shop carries

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:30:00.000000

Attribution is now decided in one pure function (distro/commission/attribution.py): a shop is paid
only on the products it carries. The decision is kept per order line. Lines of orders attributed
before this revision earned as they did then: those that have a commission line, or whose order has
a shop, are marked as earning.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("order_lines", sa.Column("earns_commission", sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE order_lines ol SET earns_commission = true FROM orders o "
        "WHERE o.id = ol.order_id AND o.shop_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("order_lines", "earns_commission")
