"""The commission on one order line (pure): the one function that both previews and accrues.

pool = paid × rate, rounded half-up to the fen (the supplier's cost, independent of the shop's tier);
the pool is then split between the shop owner (the owner's tier share) and the platform by the
largest-remainder method, so owner + platform == pool exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from distro.money import BASIS_POINTS, Fen, apply_rate, split_by_basis_points


@dataclass(frozen=True)
class LineCommission:
    """What one line pays, in fen: the supplier's pool and its split."""

    pool: Fen
    owner: Fen
    platform: Fen


def line_commission(paid: Fen, rate_bp: int, owner_share_bp: int) -> LineCommission:
    """Commission on a line that paid `paid` fen at `rate_bp`, the owner taking `owner_share_bp` of the pool.

    Rounding: the pool half-up to the fen (money.apply_rate); the split by largest remainder
    (money.split_by_basis_points).
    """
    if paid < 0:
        raise ValueError("paid amount must not be negative")
    pool = apply_rate(paid, rate_bp)
    owner, platform = split_by_basis_points(pool, [owner_share_bp, BASIS_POINTS - owner_share_bp])
    return LineCommission(pool=pool, owner=owner, platform=platform)
