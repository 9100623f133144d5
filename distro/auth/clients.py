"""API clients: the scopes routes need, client secrets, making and revoking clients, and the OAuth 2
client-credentials grant (RFC 6749 §4.4), so that no integration runs on a person's password.

A client acts as one account (a supplier's ERP as its supplier's account; a finance or admin integration as the
account an admin names) with one of that account's roles, and only within its scope. A route's scope follows from
where it is and its method (`route_scope`): no route declares one, so no route can forget to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth.client_models import ApiClient
from distro.auth.models import Role, User
from distro.auth.tokens import TokenSettings, issue_access_token
from distro.clock import utcnow
from distro.errors import FieldError, NotFound, ValidationFailed

CLIENT_ROLES = (Role.SUPPLIER, Role.FINANCE, Role.ADMIN)
"""The roles a client may have: a shop owner works in the app, not through an integration."""

AREAS = ("products", "orders", "shipments", "settlement", "webhooks", "shops", "accounts")
"""The parts of the API a scope names, each read (GET) or write (any other method): `orders:read`, `orders:write`.
products: a supplier's profile, products, SKUs and commission rates, campaigns, the selection center's rankings and
zones, and the admin's decisions on them; orders: orders, after-sales and a supplier's commission per order, its
monthly reviews (measured on its orders), and the admin's order events; shipments: the shipping list and shipping;
settlement: batches, payouts, reconciliation, exports, periods and the ledger, and a supplier's deposit and
statements; webhooks: outbound subscriptions and their deliveries; shops: shops' moderation, tier
rules and evaluations; accounts: the caller's account and the admin's account management."""

SCOPES = tuple(f"{area}:{access}" for area in AREAS for access in ("read", "write"))
"""Every scope a client may be given."""

AREA_BY_BLUEPRINT: Mapping[str, str] = {
    "suppliers": "products",
    "campaigns": "products",
    "selection": "products",
    "promises": "products",
    "quality": "orders",
    "storefront_api": "orders",
    "commission": "orders",
    "settlement": "settlement",
    "ledger": "settlement",
    "deposits": "settlement",
    "dues": "settlement",
    "outbound": "webhooks",
    "shops": "shops",
    "share_links": "shops",
    "tiers": "shops",
    "auth": "accounts",
}
"""The area of each API blueprint's routes (a blueprint is one domain)."""

AREA_BY_ENDPOINT: Mapping[str, str] = {
    "storefront_api.shipments": "shipments",
    "storefront_api.ship": "shipments",
}
"""Routes whose area is not their blueprint's."""

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CLIENT_ID_PATTERN = re.compile(r"^dc_[A-Za-z0-9_-]{16}$")
MAX_SECRET_LENGTH = 200
_UNKNOWN_CLIENT_HASH = hashlib.sha256(b"no such client").hexdigest()


def route_scope(endpoint: str, method: str) -> str | None:
    """The scope a call of the route named endpoint with method needs; None for a route no client may call (one
    outside the areas, which a test keeps from existing)."""
    area = AREA_BY_ENDPOINT.get(endpoint) or AREA_BY_BLUEPRINT.get(endpoint.partition(".")[0])
    if area is None:
        return None
    return f"{area}:{'read' if method.upper() in READING_METHODS else 'write'}"


def scope_refusal(granted: frozenset[str] | None, endpoint: str, method: str) -> str | None:
    """Why a token with the granted scopes may not call the route; None when it may. A person's token (granted
    None) is not limited by scope: its roles decide."""
    if granted is None:
        return None
    needed = route_scope(endpoint, method)
    if needed is None:
        return "no API client may call this route"
    if needed not in granted:
        return f"the token's scope lacks {needed}"
    return None


def scope_failures(scopes: Iterable[str]) -> list[str]:
    """The scopes named that do not exist."""
    return sorted({scope for scope in scopes if scope not in SCOPES})


def new_secret() -> str:
    """A client secret: 256 random bits, URL-safe (it goes in an HTTP Basic header and in a form)."""
    return "dsk_" + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored of a secret: its SHA-256, hex (a secret is random, so there is nothing to slow a guess of)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    """Whether secret is the one stored_hash was made from, compared in constant time; an unknown client (None)
    costs the same and never matches."""
    matched = hmac.compare_digest(hash_secret(secret), stored_hash or _UNKNOWN_CLIENT_HASH)
    return matched and stored_hash is not None


class OAuthError(Exception):
    """A token request refused as RFC 6749 §5.2 says: error code, description, and the status to answer with."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class NewClient:
    """A client just made, with its secret: the only time the secret exists outside its holder's hands."""

    client: ApiClient
    secret: str


def create_client(
    *, session: Session, name: str, role: Role, scopes: Iterable[str], account_email: str, admin_id: int
) -> NewClient:
    """Make a client acting as the account with account_email, with role (the account must hold it) and scopes;
    audited; commit. The secret is returned here once and kept only as a hash."""
    chosen = sorted(set(scopes))
    failures = []
    if not name.strip():
        failures.append(FieldError("name", "required", "required"))
    if role not in CLIENT_ROLES:
        failures.append(FieldError("role", "must be supplier, finance or admin", "one_of"))
    if not chosen:
        failures.append(FieldError("scopes", "choose at least one scope", "required"))
    elif unknown := scope_failures(chosen):
        failures.append(FieldError("scopes", f"no such scope: {', '.join(unknown)}", "one_of"))
    account = session.execute(
        sa.select(User).where(sa.func.lower(col(User.email)) == account_email.strip().lower())
    ).scalar_one_or_none()
    if account is None:
        failures.append(FieldError("account", "no account has this email", "unknown"))
    elif not account.is_active:
        failures.append(FieldError("account", "the account is deactivated", "inactive"))
    elif role in CLIENT_ROLES and role.value not in account.roles:
        failures.append(FieldError("account", f"the account does not hold the {role.value} role", "role"))
    if failures:
        raise ValidationFailed("The client cannot be made so.", failures)
    assert account is not None and account.id is not None
    secret = new_secret()
    client = ApiClient(
        client_id="dc_" + secrets.token_urlsafe(12),
        secret_hash=hash_secret(secret),
        name=name.strip(),
        role=role.value,
        scopes=chosen,
        user_id=account.id,
        created_by=admin_id,
    )
    session.add(client)
    session.flush()
    assert client.id is not None
    audit.record(
        session,
        actor_id=admin_id,
        action="api_client.created",
        subject_type="api_client",
        subject_id=client.id,
        after={"name": client.name, "role": client.role, "scopes": chosen, "user_id": account.id},
    )
    session.commit()
    return NewClient(client, secret)


def revoke_client(*, session: Session, client_id: int, admin_id: int) -> ApiClient:
    """Revoke a client: no new token, and the tokens it has are refused from their next request; audited; commit.
    A revoked client is left as it is."""
    client = session.execute(
        sa.select(ApiClient).where(col(ApiClient.id) == client_id).with_for_update()
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(f"No API client {client_id}.")
    if client.revoked_at is None:
        client.revoked_at, client.revoked_by = utcnow(), admin_id
        audit.record(
            session,
            actor_id=admin_id,
            action="api_client.revoked",
            subject_type="api_client",
            subject_id=client_id,
            before={"revoked_at": None},
            after={"revoked_at": client.revoked_at.isoformat()},
        )
    session.commit()
    return client


def clients_query() -> sa.Select:
    """Every client with the email and name of the account it acts as (for the admin's list, paged by id)."""
    return sa.select(
        col(ApiClient.id).label("id"),
        col(ApiClient.client_id),
        col(ApiClient.name),
        col(ApiClient.role),
        col(ApiClient.scopes),
        col(ApiClient.created_at),
        col(ApiClient.last_used_at),
        col(ApiClient.revoked_at),
        col(User.email).label("account_email"),
        col(User.display_name).label("account_name"),
    ).join(User, col(User.id) == col(ApiClient.user_id))


def get_client(session: Session, client_id: int) -> ApiClient:
    """The client with this id, or NotFound."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"No API client {client_id}.")
    return client


@dataclass(frozen=True)
class ClientStanding:
    """What authenticating a client's token reads of the client on every request."""

    user_id: int
    role: str
    scopes: frozenset[str]
    revoked: bool


_STANDING = sa.select(col(ApiClient.user_id), col(ApiClient.role), col(ApiClient.scopes), col(ApiClient.revoked_at))


def client_standing(session: Session, client_id: int) -> ClientStanding | None:
    """The client as it stands now (one primary-key lookup), or None when there is no such client."""
    row = session.execute(_STANDING.where(col(ApiClient.id) == client_id)).first()
    if row is None:
        return None
    return ClientStanding(row.user_id, row.role, frozenset(row.scopes), row.revoked_at is not None)


@dataclass(frozen=True)
class ClientToken:
    """A client-credentials grant's answer (RFC 6749 §4.4.3: no refresh token)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"  # noqa: S105


def _requested_scopes(scope: str | None, allowed: frozenset[str]) -> frozenset[str]:
    if scope is None or not scope.strip():
        return allowed
    asked = frozenset(scope.split())
    beyond = sorted(asked - allowed)
    if beyond:
        raise OAuthError("invalid_scope", f"The client may not have: {' '.join(beyond)}.")
    return asked


def _refuse(session: Session, client: ApiClient, why: str, address: str) -> OAuthError:
    assert client.id is not None
    audit.record(
        session,
        actor_id=None,
        action="api_client.refused",
        subject_type="api_client",
        subject_id=client.id,
        after={"reason": why, "address": address},
    )
    session.commit()
    return OAuthError("invalid_client", "Client authentication failed.", 401)


def grant(
    *,
    session: Session,
    client_id: str,
    secret: str,
    scope: str | None,
    settings: Mapping[str, Any],
    address: str,
    now: dt.datetime | None = None,
) -> ClientToken:
    """Exchange a client's id and secret for a short-lived access token within its scope (all of it unless scope
    names part); record the use (last used, audit log); commit. Raise OAuthError as RFC 6749 §5.2 says.

    A wrong secret or a revoked client is invalid_client, whichever it is (and audited for a client that exists);
    an account that can no longer act (deactivated, or the role taken away) is unauthorized_client.
    """
    found = None
    if CLIENT_ID_PATTERN.fullmatch(client_id) and len(secret) <= MAX_SECRET_LENGTH:
        found = session.execute(sa.select(ApiClient).where(col(ApiClient.client_id) == client_id)).scalar_one_or_none()
    if not secret_matches(secret[:MAX_SECRET_LENGTH], found.secret_hash if found else None):
        if found is not None:
            raise _refuse(session, found, "wrong secret", address)
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    assert found is not None and found.id is not None
    if found.revoked_at is not None:
        raise _refuse(session, found, "revoked", address)
    account = session.get(User, found.user_id)
    if account is None or not account.is_active or found.role not in account.roles:
        raise OAuthError("unauthorized_client", "The client's account can no longer act in the client's role.")
    scopes = _requested_scopes(scope, frozenset(found.scopes))
    now = now or utcnow()
    token_settings = TokenSettings.from_settings(settings)
    access = issue_access_token(
        found.user_id, [found.role], token_settings, now, account.token_version, client_id=found.id, scopes=scopes
    )
    found.last_used_at = now
    audit.record(
        session,
        actor_id=found.user_id,
        action="api_client.token",
        subject_type="api_client",
        subject_id=found.id,
        after={"scopes": sorted(scopes), "address": address},
    )
    session.commit()
    return ClientToken(access, token_settings.lifetime_seconds, " ".join(sorted(scopes)))
