"""relative own image URLs: distro's own product pictures are stored as /images/<name>

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:00:00.000000

The demo products' pictures were stored with the absolute PUBLIC_BASE_URL of the day they were loaded
(http://127.0.0.1:8000/images/demo-01.png), so after a restart on another port or address every picture
stayed broken. distro now stores its own files' URLs relative and makes them absolute when it serves them.
A picture counts as distro's own when its host is this machine alone (loopback, localhost, 0.0.0.0; no
supplier's CDN is there) and its path is /images/<a name distro gives>; every other URL is left as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As of this revision (a migration keeps its own copy: distro.urls may change after it). Group 1 is the path.
OWN_ABSOLUTE = (
    r"^https?://(?:127(?:\.[0-9]{1,3}){3}|localhost|0\.0\.0\.0|\[::1\])(?::[0-9]{1,5})?"
    r"(/images/[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(?:png|jpg|jpeg|webp))$"
)
OWN_RELATIVE = r"^(/images/[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(?:png|jpg|jpeg|webp))$"
# What the code before this revision made of them with its default PUBLIC_BASE_URL.
PREVIOUS_BASE = "http://127.0.0.1:8000"


def _rewrite(pattern: str, replacement: str) -> sa.TextClause:
    """Rewrite every matching element of products.image_urls, keeping the pictures' order."""
    return sa.text(
        "UPDATE products SET image_urls = ARRAY("
        "  SELECT regexp_replace(url, :pattern, :replacement)"
        "  FROM unnest(image_urls) WITH ORDINALITY AS picture(url, position) ORDER BY position"
        ")::varchar(500)[] "
        "WHERE EXISTS (SELECT 1 FROM unnest(image_urls) AS picture(url) WHERE url ~ :pattern)"
    ).bindparams(pattern=pattern, replacement=replacement)


def upgrade() -> None:
    op.execute(_rewrite(OWN_ABSOLUTE, r"\1"))


def downgrade() -> None:
    op.execute(_rewrite(OWN_RELATIVE, PREVIOUS_BASE + r"\1"))
