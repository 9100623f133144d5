"""Money in integer fen (分, ¥0.01): the only module in distro that rounds.

Every amount is an ``int`` of fen. Rates are integer basis points (1 bp = 0.01%, 10_000 bp = 100%).
Rounding rules, all here:

* ``apply_rate`` rounds a product half away from zero to the fen (half-up for the non-negative
  amounts commission uses).
* ``split`` divides a total by weights with the largest-remainder method: every share is floored,
  the fen left over go one each to the largest fractional remainders, ties to the earlier share.
  The shares always sum to the total and each is within one fen of its exact value.
* ``to_yuan`` / ``parse_yuan`` convert at the edges (display, export, import) with exactly two
  decimals; they never round: a value that is not a whole number of fen is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Fen = int

BASIS_POINTS = 10_000
FEN_PER_YUAN = 100

_YUAN_PATTERN = re.compile(r"^(-)?(\d+)(?:\.(\d{1,2}))?$")
_PERCENT_PATTERN = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?%?$")


def _check_int(value: object, name: str) -> None:
    # bool is an int subclass; True fen is a bug, not a cent.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int of fen, got {type(value).__name__}")


def div_round_half_up(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half away from zero, in exact integer arithmetic."""
    _check_int(numerator, "numerator")
    _check_int(denominator, "denominator")
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def apply_rate(amount: Fen, rate_bp: int) -> Fen:
    """Return amount × rate_bp / 10,000 in fen, rounded half away from zero (half-up for amounts ≥ 0)."""
    _check_int(amount, "amount")
    _check_int(rate_bp, "rate_bp")
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError(f"rate_bp must be within 0..{BASIS_POINTS}, got {rate_bp}")
    return div_round_half_up(amount * rate_bp, BASIS_POINTS)


def split(total: Fen, weights: Sequence[int]) -> list[Fen]:
    """Split total fen in proportion to integer weights by the largest-remainder method.

    Each share is floor(total × w / Σw); the fen left over go one each to the shares with the
    largest fractional remainders, ties going to the earlier share. Σ shares == total and every
    share is within one fen of its exact value. A negative total splits as the negation of the
    positive split, so a reversal mirrors its original exactly.
    """
    _check_int(total, "total")
    if not weights:
        raise ValueError("weights must not be empty")
    for weight in weights:
        _check_int(weight, "weight")
        if weight < 0:
            raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    if total < 0:
        return [-share for share in split(-total, weights)]
    shares = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share)
        remainders.append((-remainder, index))
    leftover = total - sum(shares)
    for _, index in sorted(remainders)[:leftover]:
        shares[index] += 1
    return shares


def split_by_basis_points(total: Fen, shares_bp: Sequence[int]) -> list[Fen]:
    """Split total fen by shares in basis points that must add up to 10,000 (largest remainder)."""
    if sum(shares_bp) != BASIS_POINTS:
        raise ValueError(f"shares must add up to {BASIS_POINTS} bp, got {sum(shares_bp)}")
    return split(total, shares_bp)


def to_yuan(amount: Fen) -> str:
    """Format fen as yuan with exactly two decimals, e.g. 123456 -> '1234.56', -5 -> '-0.05'."""
    _check_int(amount, "amount")
    sign = "-" if amount < 0 else ""
    yuan, fen = divmod(abs(amount), FEN_PER_YUAN)
    return f"{sign}{yuan}.{fen:02d}"


def format_cny(amount: Fen) -> str:
    """Format fen for people: '¥1,234.56'."""
    text = to_yuan(amount)
    sign = "-" if text.startswith("-") else ""
    whole, decimals = text.lstrip("-").split(".")
    return f"{sign}¥{int(whole):,}.{decimals}"


def format_rate(rate_bp: int) -> str:
    """Format basis points as a percentage for people, without trailing zeros: 1250 -> '12.5%', 1000 -> '10%'."""
    _check_int(rate_bp, "rate_bp")
    whole, hundredths = divmod(rate_bp, 100)
    return f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".") + "%"


def parse_rate(text: str) -> int:
    """Parse a percentage as people type it, 0 to 100 with at most two decimals ('12', '12.5', '12.5%'), into basis
    points (1250); refuse anything else. The inverse of format_rate."""
    match = _PERCENT_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"not a percentage with at most two decimals: {text!r}")
    whole, decimals = match.groups()
    rate_bp = int(whole) * 100 + int((decimals or "0").ljust(2, "0"))
    if rate_bp > BASIS_POINTS:
        raise ValueError(f"a percentage above 100: {text!r}")
    return rate_bp


def parse_yuan(text: str) -> Fen:
    """Parse a yuan amount with at most two decimals ('12', '12.3', '12.34') into fen; refuse anything else."""
    match = _YUAN_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"not a yuan amount with at most two decimals: {text!r}")
    sign, whole, decimals = match.groups()
    fen = int(whole) * FEN_PER_YUAN + int((decimals or "0").ljust(2, "0"))
    return -fen if sign else fen
