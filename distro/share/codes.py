"""Share codes, bot detection, visitor ids and the signed referral cookie (pure: no Flask, no Redis)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import string
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


def visitor_key(visitor_id: str | None, ip: str | None, user_agent: str | None) -> str:
    """Who clicked, for unique counting: the visitor cookie, else a hash of address and browser."""
    if visitor_id:
        return f"v:{visitor_id}"
    return "h:" + hashlib.sha256(f"{ip}|{user_agent}".encode()).hexdigest()[:32]


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
