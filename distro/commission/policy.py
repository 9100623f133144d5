"""How commission is held and paid (pure): hold periods, the payable date and the self-purchase policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommissionPolicy:
    """Hold days (with per-category overrides) and what a self-purchase earns."""

    hold_days: int
    hold_days_by_category: Mapping[str, int] = field(default_factory=dict)
    self_purchase: str = "flag"
    self_purchase_share_bp: int = 0
    binding_days: int = 7

    @classmethod
    def from_settings(cls, settings: Mapping) -> CommissionPolicy:
        """The policy from COMMISSION_* and SELF_PURCHASE_* settings."""
        return cls(
            hold_days=int(settings["COMMISSION_HOLD_DAYS"]),
            hold_days_by_category=dict(settings["COMMISSION_HOLD_DAYS_BY_CATEGORY"]),
            self_purchase=str(settings["SELF_PURCHASE_POLICY"]),
            self_purchase_share_bp=int(settings["SELF_PURCHASE_SHARE_BP"]),
            binding_days=int(settings["SHARE_BINDING_DAYS"]),
        )

    def hold_days_for(self, category: str) -> int:
        """Days after delivery before commission on a product of this category is payable (its return window)."""
        return int(self.hold_days_by_category.get(category, self.hold_days))

    def owner_share_bp(self, tier_share_bp: int, self_purchase: bool) -> int | None:
        """The owner's share of the pool; None when the sale earns no commission (a flagged self-purchase)."""
        if not self_purchase or self.self_purchase == "pay":
            return tier_share_bp
        if self.self_purchase == "pay_own_rate":
            return self.self_purchase_share_bp
        return None


def payable_at(delivered_at: dt.datetime | None, hold_days: int, *, withdrawn: bool = False) -> dt.datetime | None:
    """When commission held `hold_days` (CommissionPolicy.hold_days_for) becomes payable: delivery + the hold.

    The same date closes the buyer's return window. None while the goods are not delivered, and None once the
    commission was withdrawn (the order cancelled or the line refunded in full: orders.commission_withdrawn),
    so neither the release job nor a settlement batch ever takes a withdrawn line, whether it was withdrawn
    before or after it became payable. Those two compare the stored date with their time in SQL
    (`payable_at <= :now`); tests/integration/test_commission_sql_twins.py proves they agree with this.
    """
    if delivered_at is None or withdrawn:
        return None
    return delivered_at + dt.timedelta(days=hold_days)
