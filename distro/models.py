"""Every table model, imported in one place so that SQLModel.metadata is complete (Alembic, tests)."""

from distro.auth.models import RefreshToken, User
from distro.idempotency.models import IdempotencyRecord
from distro.ledger.models import Entry, LedgerAccount, Posting

__all__ = ["Entry", "IdempotencyRecord", "LedgerAccount", "Posting", "RefreshToken", "User"]
