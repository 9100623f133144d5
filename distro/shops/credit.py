"""Credit scores for shop eligibility, behind an interface (the bureau is a third party).

Only the demo provider ships: no credit bureau (e.g. 芝麻信用) can be reached from here. It gives every
account the same score, so outside development it is refused when SHOP_ELIGIBILITY is "credit_score"
(distro.settings.validate_settings); with "admin_approval" no score is asked for. A real provider implements
CreditScoreProvider, is named in credit_score_provider() and chosen by CREDIT_SCORE_PROVIDER.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from distro.settings import ConfigurationError


class CreditScoreProvider(Protocol):
    """Looks up an account holder's credit score."""

    def score(self, user_id: int) -> int | None:
        """The score, or None when the bureau has none."""
        ...


@dataclass(frozen=True)
class DemoCreditScoreProvider:
    """Demo: every account has the same configured score (DEMO_CREDIT_SCORE)."""

    fixed_score: int

    def score(self, user_id: int) -> int | None:
        """The configured score, whoever asks."""
        return self.fixed_score


def credit_score_provider(settings: Mapping) -> CreditScoreProvider:
    """The provider named by CREDIT_SCORE_PROVIDER."""
    name = settings["CREDIT_SCORE_PROVIDER"]
    if name == "demo":
        return DemoCreditScoreProvider(int(settings["DEMO_CREDIT_SCORE"]))
    raise ConfigurationError(
        f"DISTRO_CREDIT_SCORE_PROVIDER={name!r} is not available: only 'demo' ships, for development; a real "
        "provider is added in distro/shops/credit.py."
    )
