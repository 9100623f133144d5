"""Every table model, imported in one place so that SQLModel.metadata is complete: only the composition roots
(distro/app.py, distro/cli.py, distro/worker.py) and migrations/env.py import it."""

from distro.audit import AuditEntry
from distro.auth.client_models import ApiClient
from distro.auth.models import PhoneCode, RefreshToken, User, WebSession
from distro.broadcasts.models import Broadcast, FanOutChunk, NotifyChoice
from distro.campaigns.models import Campaign, CampaignItem
from distro.commission.models import CommissionLine, Order, OrderEvent, OrderEventId, OrderLine
from distro.deposits.models import DepositPayment, DepositReturn
from distro.dues.models import SupplierRemittance, SupplierStatement
from distro.idempotency.models import IdempotencyRecord
from distro.ledger.models import Adjustment, BalanceSnapshot, Entry, LedgerAccount, Posting, SnapshotMark
from distro.outbound.models import Delivery, Subscription
from distro.owner.models import InboxMark
from distro.promises.models import PromiseBreach, SupplierPromise
from distro.quality.models import SupplierMetric, SupplierReview
from distro.selection.models import Collection, CollectionProduct, Ranking, RankingRun
from distro.settlement.models import PayeeAccount, Payout, PayoutSubmission, SettlementBatch, SettlementClaim
from distro.share.models import BuyerBinding, ClickCount, FoldCursor, ShareLink
from distro.shops.models import Shop, ShopProduct, SupplierShopStop
from distro.storefront.models import Checkout
from distro.suppliers.models import CommissionRate, Product, ProductSku, Supplier, SupplierDocument
from distro.tiers.models import ShopTierChange, TierRuleSet

__all__ = [
    "Adjustment",
    "ApiClient",
    "AuditEntry",
    "BalanceSnapshot",
    "Broadcast",
    "BuyerBinding",
    "Campaign",
    "CampaignItem",
    "Checkout",
    "ClickCount",
    "Collection",
    "CollectionProduct",
    "CommissionLine",
    "CommissionRate",
    "Delivery",
    "DepositPayment",
    "DepositReturn",
    "Entry",
    "FanOutChunk",
    "FoldCursor",
    "IdempotencyRecord",
    "InboxMark",
    "LedgerAccount",
    "NotifyChoice",
    "Order",
    "OrderEvent",
    "OrderEventId",
    "OrderLine",
    "PayeeAccount",
    "Payout",
    "PayoutSubmission",
    "PhoneCode",
    "Posting",
    "Product",
    "ProductSku",
    "PromiseBreach",
    "Ranking",
    "RankingRun",
    "RefreshToken",
    "SettlementBatch",
    "SettlementClaim",
    "ShareLink",
    "Shop",
    "ShopProduct",
    "ShopTierChange",
    "SnapshotMark",
    "Subscription",
    "Supplier",
    "SupplierDocument",
    "SupplierMetric",
    "SupplierPromise",
    "SupplierRemittance",
    "SupplierReview",
    "SupplierShopStop",
    "SupplierStatement",
    "TierRuleSet",
    "User",
    "WebSession",
]
