"""Access tokens: issue and verify JWTs (pure: plain values in, plain values out).

The algorithm is pinned (never read from the token), exp/iat/sub/aud/iss are required, and the
header's ``kid`` picks the verification key, so a key rotation signs with the new key while
tokens signed with the previous one stay valid until they expire.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import jwt

REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud", "iss"]
CLOCK_SKEW_SECONDS = 10


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why (safe to show the client)."""


@dataclass(frozen=True)
class TokenSettings:
    """What issuing and verifying need: keys by kid (first signs), algorithm, issuer, audience, lifetime."""

    keys: Mapping[str, str]
    algorithm: str
    issuer: str
    audience: str
    lifetime_seconds: int

    @classmethod
    def from_settings(cls, settings: Mapping) -> TokenSettings:
        """Build from distro settings (JWT_* and ACCESS_TOKEN_SECONDS)."""
        return cls(
            keys=dict(settings["JWT_KEYS"]),
            algorithm=settings["JWT_ALGORITHM"],
            issuer=settings["JWT_ISSUER"],
            audience=settings["JWT_AUDIENCE"],
            lifetime_seconds=int(settings["ACCESS_TOKEN_SECONDS"]),
        )

    @property
    def signing_kid(self) -> str:
        """The key id that signs new tokens: the first one configured."""
        return next(iter(self.keys))


@dataclass(frozen=True)
class Claims:
    """The verified identity a token carries."""

    user_id: int
    roles: frozenset[str]
    expires_at: dt.datetime
    # The account's token version when the token was issued (0 for tokens from before versions existed).
    version: int = 0
    # An API client's token: the client (its row id) and the scopes it was granted; None for a person's token.
    client_id: int | None = None
    scopes: frozenset[str] | None = None


def issue_access_token(
    user_id: int,
    roles: Sequence[str],
    settings: TokenSettings,
    now: dt.datetime,
    version: int = 0,
    *,
    client_id: int | None = None,
    scopes: Collection[str] = (),
) -> str:
    """Return a signed access token for the user, valid for settings.lifetime_seconds from now, under the
    account's token version; an API client's token also names the client (cid) and its scope."""
    kid = settings.signing_kid
    payload = {
        "sub": str(user_id),
        "roles": sorted(roles),
        "ver": version,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + settings.lifetime_seconds,
        "iss": settings.issuer,
        "aud": settings.audience,
        "jti": str(uuid.uuid4()),
    }
    if client_id is not None:
        payload["cid"] = client_id
        payload["scope"] = " ".join(sorted(scopes))
    return jwt.encode(payload, settings.keys[kid], algorithm=settings.algorithm, headers={"kid": kid})


def verify_access_token(token: str, settings: TokenSettings) -> Claims:
    """Return the token's claims, or raise InvalidToken saying what is wrong with it (checked against the clock)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise InvalidToken("malformed token") from error
    if header.get("alg") != settings.algorithm:
        raise InvalidToken(f"token algorithm must be {settings.algorithm}")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in settings.keys:
        raise InvalidToken("unknown signing key (kid)")
    try:
        payload = jwt.decode(
            token,
            settings.keys[kid],
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_iat": True},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("token expired") from error
    except jwt.MissingRequiredClaimError as error:
        raise InvalidToken(f"token lacks the {error.claim} claim") from error
    except jwt.InvalidAudienceError as error:
        raise InvalidToken("token is for another audience") from error
    except jwt.InvalidIssuerError as error:
        raise InvalidToken("token is from another issuer") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken("invalid token signature or claims") from error
    try:
        user_id = int(payload["sub"])
    except (TypeError, ValueError) as error:
        raise InvalidToken("token subject is not a user id") from error
    roles = payload.get("roles", [])
    if not isinstance(roles, list):
        raise InvalidToken("token roles must be a list")
    version = payload.get("ver", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidToken("token version must be a whole number")
    client_id, scope = payload.get("cid"), payload.get("scope")
    if client_id is not None and (not isinstance(client_id, int) or isinstance(client_id, bool)):
        raise InvalidToken("token client must be a whole number")
    if client_id is not None and not isinstance(scope, str):
        raise InvalidToken("a client's token must carry its scope")
    scopes = frozenset(scope.split()) if client_id is not None and isinstance(scope, str) else None
    expires_at = dt.datetime.fromtimestamp(payload["exp"], dt.UTC)
    return Claims(user_id, frozenset(roles), expires_at, version, client_id, scopes)


def standing_refusal(claims: Claims, *, is_active: bool, token_version: int) -> str | None:
    """Why a verified token no longer speaks for its account as the account stands now; None when it does.

    A deactivated account's tokens are refused at once, and a token issued before the account's tokens
    were cut (its version below the account's) stays refused after a reactivation.
    """
    if not is_active:
        return "the account is deactivated"
    if claims.version < token_version:
        return "the account's sign-ins were ended since it was issued; sign in again"
    return None
