"""Storefront rules (pure): masking buyers' phone numbers, buyer references, order references."""

from __future__ import annotations

import secrets

# Phone rules live in distro.phones (accounts use them too); the storefront keeps its names.
from distro.phones import MOBILE_PATTERN as PHONE_PATTERN
from distro.phones import mask_phone
from distro.phones import phone_reference as buyer_reference

__all__ = ["PHONE_PATTERN", "buyer_reference", "mask_phone", "new_order_ref"]


LOW_STOCK = 10  # below this a buyer is told how many are left, as 淘宝 does


def stock_note(stock: int) -> str:
    """What a buyer is told of a SKU's stock: sold out, how many are left when few, else nothing."""
    if stock <= 0:
        return "（已售罄）"
    return f"（仅剩{stock}件）" if stock < LOW_STOCK else ""


def new_access_token() -> str:
    """A fresh key to a buyer's order page: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def new_order_ref() -> str:
    """A fresh, unguessable order reference for a landing-page checkout, e.g. DS7K2M9QX4TB."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: read aloud over the phone
    return "DS" + "".join(secrets.choice(alphabet) for _ in range(10))
