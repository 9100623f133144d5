"""Phone numbers (pure): mainland mobile numbers as typed, their keyed reference and their masked form.

A phone is never stored in the clear on an account: only its reference (a keyed hash, to find the
same person again, e.g. a shop owner buying from their own shop) and its masked form (for display).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}\Z")
"""A mainland mobile number: 11 ASCII digits, 13x to 19x. (\\d would take other scripts' digits and $ a
trailing newline, each giving the same number a second reference.)"""

MAX_TYPED_LENGTH = 32
"""Longer input is not a phone number however it is spaced: refused before any work on it."""

_SEPARATORS = re.compile(r"[\s\-]+")
# The country code as people type it: +86, 0086 (the international prefix from China), or a bare 86.
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086|86)(?=[0-9]{11}$)")


def normalise_phone(raw: object) -> str | None:
    """The 11 digits of a mainland mobile number typed with spaces, dashes or a +86/0086/86 prefix; None
    when it is not one.

    Full-width digits and plus signs (１３８, ＋８６, typed with a Chinese input method) count as their
    ASCII forms.
    """
    if not isinstance(raw, str) or len(raw) > MAX_TYPED_LENGTH:
        return None
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    digits = _COUNTRY_CODE.sub("", compact, count=1)
    return digits if MOBILE_PATTERN.fullmatch(digits) else None


def phone_reference(phone: str, secret: str) -> str:
    """A stable id derived from a normalised phone number that does not reveal it: phone:<24 hex> (HMAC-SHA256
    keyed by secret).

    Buyers' references on orders and owners' references on accounts are the same function of the same
    11 digits, so a shop owner buying from their own shop is recognised. Changing it, or the secret,
    orphans every stored reference.
    """
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()[:24]
    return f"phone:{digest}"


def mask_phone(phone: str) -> str:
    """138****5678: what everyone but the shipping supplier sees of a phone number."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
