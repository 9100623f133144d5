"""Every table model, imported in one place so that SQLModel.metadata is complete (Alembic, tests)."""

from distro.audit import AuditEntry
from distro.auth.models import RefreshToken, User
from distro.idempotency.models import IdempotencyRecord
from distro.ledger.models import Entry, LedgerAccount, Posting
from distro.shops.models import Shop, ShopProduct
from distro.suppliers.models import CommissionRate, Product, ProductSku, Supplier

__all__ = [
    "AuditEntry",
    "CommissionRate",
    "Entry",
    "IdempotencyRecord",
    "LedgerAccount",
    "Posting",
    "Product",
    "ProductSku",
    "RefreshToken",
    "Shop",
    "ShopProduct",
    "Supplier",
    "User",
]
