"""How commission is held and paid (pure): hold periods and the self-purchase policy."""

from __future__ import annotations

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
        """Days after delivery before commission on a product of this category is payable."""
        return int(self.hold_days_by_category.get(category, self.hold_days))

    def owner_share_bp(self, tier_share_bp: int, self_purchase: bool) -> int | None:
        """The owner's share of the pool; None when the sale earns no commission (a flagged self-purchase)."""
        if not self_purchase or self.self_purchase == "pay":
            return tier_share_bp
        if self.self_purchase == "pay_own_rate":
            return self.self_purchase_share_bp
        return None
