"""Share codes, bot detection, who a visitor is and the signed referral cookie (pure: no Flask, no Redis)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62**8 ≈ 2.2e14 codes: not guessable by walking the space
_CODE_PATTERN = re.compile(rf"^[A-Za-z0-9]{{{CODE_LENGTH}}}$")

# Crawlers and link-preview fetchers (WeChat, Weibo, QQ, messengers, search engines): a click
# from these is not a person. Matched case-insensitively anywhere in the User-Agent.
BOT_MARKERS = (
    "bot",
    "spider",
    "crawl",
    "slurp",
    "preview",
    "facebookexternalhit",
    "embedly",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "httpclient",
    "go-http-client",
    "headlesschrome",
    "okhttp",
    "whatsapp",
    "telegram",
    "skypeuripreview",
    "bingpreview",
    "baiduspider",
    "sogou",
    "yisouspider",
    "bytespider",
    "360spider",
    "qqbrowser-preview",
    "mpcrawler",
    "wxwork-preview",
)


def new_code() -> str:
    """A fresh, unguessable share code of 8 letters and digits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(code: str) -> bool:
    """True when code has the shape of a share code (cheap check before any lookup)."""
    return bool(_CODE_PATTERN.match(code))


def is_bot(method: str, user_agent: str | None) -> bool:
    """True for requests that are not a person following a link: HEAD, no User-Agent, known crawlers."""
    if method.upper() == "HEAD" or not user_agent:
        return True
    lowered = user_agent.lower()
    return any(marker in lowered for marker in BOT_MARKERS)


VISITOR_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16}\Z")
"""A visitor cookie distro could have set (new_visitor_id's shape); any other value counts as no cookie."""


def new_visitor_id() -> str:
    """A fresh, random visitor id for the visitor cookie: 96 bits, 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Visitor:
    """Who followed a link, as unique clicks count people, and the visitor cookie to leave them."""

    key: str
    """Who counts: the visitor cookie (v:…), else a keyed hash of address and browser (h:…)."""
    cookie: str
    """The visitor cookie's value: the one the visitor brought, else a new random id."""
    also: str | None = None
    """On a visit without a cookie, the new cookie's key (v:…): it counts as already seen wherever this
    click's key was, so the same person's next click, bringing the cookie, is not a second unique click."""


def identify_visitor(
    cookie: str | None,
    address: str | None,
    user_agent: str | None,
    secret: bytes,
    new_id: Callable[[], str] = new_visitor_id,
) -> Visitor:
    """Who followed a link: the visitor cookie when there is one; without one, a keyed hash of the address and
    the browser, which makes the visitor the same person for the hour unique clicks are counted over.

    The hash is an HMAC keyed by secret: a bare hash of an address and a browser could be reversed by trying
    every IPv4 address with common browsers. It is kept only in the hour's seen-markers, never in a cookie.
    """
    if cookie and VISITOR_ID_PATTERN.match(cookie):
        return Visitor(f"v:{cookie}", cookie)
    mac = _visitor_mac(secret).copy()
    mac.update(f"{address}\n{user_agent}".encode())
    digest = mac.hexdigest()[:32]
    fresh = new_id()
    return Visitor(f"h:{digest}", fresh, also=f"v:{fresh}")


@cache
def _visitor_mac(secret: bytes) -> hmac.HMAC:
    # Keying an HMAC hashes the key twice; every cookie-less click hashes, so each secret's key is set up once.
    return hmac.new(secret, digestmod=hashlib.sha256)


@cache
def _referral_signer(secret: str) -> TimestampSigner:
    # Building a signer derives its key; every redirect signs, so each secret's signer is built once.
    return TimestampSigner(secret, salt="distro.referral")


def sign_referral(code: str, secret: str) -> str:
    """The referral cookie's value: the share code, signed with the time it was set."""
    return _referral_signer(secret).sign(code).decode()


def read_referral(value: str | None, secret: str, max_age: dt.timedelta) -> str | None:
    """The share code in a referral cookie, or None when it is missing, tampered with, or older than max_age."""
    if not value:
        return None
    try:
        code = _referral_signer(secret).unsign(value, max_age=int(max_age.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    code_text = code.decode()
    return code_text if looks_like_code(code_text) else None
