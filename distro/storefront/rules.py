"""Storefront rules (pure): masking buyers' phone numbers, buyer references, order references."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers


def mask_phone(phone: str) -> str:
    """138****5678: what everyone but the shipping supplier sees of a buyer's phone."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def buyer_reference(phone: str, secret: str) -> str:
    """A stable buyer id derived from the phone number that does not reveal it (keyed hash)."""
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()[:24]
    return f"phone:{digest}"


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
