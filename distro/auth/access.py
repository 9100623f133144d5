"""Who may call a route: every API route declares it, and the app refuses to start otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from sqlmodel import col

from distro.auth import clients
from distro.auth.models import Role, User
from distro.auth.tokens import Claims, InvalidToken, TokenSettings, standing_refusal, verify_access_token
from distro.db import get_session
from distro.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
AUTHENTICATED = "authenticated"

# Routes under these prefixes must declare their access; the app will not start otherwise.
GUARDED_PREFIXES = ("/api/", "/webhooks/")


@dataclass(frozen=True)
class Principal:
    """The caller: the account its access token proves, with the roles the account holds now (an API client:
    its one role, if the account still holds it, and its scope)."""

    user_id: int
    roles: frozenset[str]
    client_id: int | None = None
    # None for a person's token, which scope does not limit.
    scopes: frozenset[str] | None = None

    def has(self, role: Role) -> bool:
        """True when the caller holds the role."""
        return role.value in self.roles


def current_principal() -> Principal:
    """The authenticated caller of this request (set by @requires)."""
    return g.principal


def current_user_id() -> int:
    """The id of the account whose token authenticated this request."""
    return current_principal().user_id


_STANDING = sa.select(col(User.is_active), col(User.roles), col(User.token_version))


def _authenticate() -> Principal:
    # Verified once per request: the throttle asks whose token it is before the view's @requires does.
    proven = g.get("distro_bearer")
    if proven is not None:
        return proven
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("An access token is required: send 'Authorization: Bearer <token>'.")
    settings = current_app.extensions["distro.token_settings"]
    assert isinstance(settings, TokenSettings)
    try:
        claims = verify_access_token(token.strip(), settings)
    except InvalidToken as error:
        raise Unauthorized(f"The access token was refused: {error}.") from error
    # The token proves who is calling; what they may do is read from the account on every request (one
    # primary-key lookup in the request's own session), so a deactivation or a role taken away holds on
    # the very next request rather than when the token expires.
    account = get_session().execute(_STANDING.where(col(User.id) == claims.user_id)).first()
    if account is None:
        raise Unauthorized("The access token was refused: the account no longer exists.")
    why = standing_refusal(claims, is_active=account.is_active, token_version=account.token_version)
    if why is not None:
        raise Unauthorized(f"The access token was refused: {why}.")
    if claims.client_id is not None:
        g.distro_bearer = _client_principal(claims, frozenset(account.roles))
    else:
        g.distro_bearer = Principal(claims.user_id, frozenset(account.roles))
    return g.distro_bearer


def _client_principal(claims: Claims, account_roles: frozenset[str]) -> Principal:
    # Read on every request as the account is, so a revoked client's tokens stop at once.
    assert claims.client_id is not None and claims.scopes is not None
    client = clients.client_standing(get_session(), claims.client_id)
    if client is None or client.user_id != claims.user_id:
        raise Unauthorized("The access token was refused: the API client no longer exists.")
    if client.revoked:
        raise Unauthorized("The access token was refused: the API client was revoked.")
    return Principal(claims.user_id, account_roles & {client.role}, claims.client_id, claims.scopes & client.scopes)


def token_subject() -> int | None:
    """The account id the request's bearer token proves, or None when it has none or the token is refused."""
    try:
        return _authenticate().user_id
    except Unauthorized:
        return None


def requires(*roles: Role) -> Callable[[F], F]:
    """Let a view run only for a valid token holding any of roles (any valid token when none given)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate()
            if roles and not any(principal.has(role) for role in roles):
                needed = " or ".join(role.value for role in roles)
                raise Forbidden(f"This action needs the {needed} role.")
            beyond_scope = clients.scope_refusal(principal.scopes, request.endpoint or "", request.method)
            if beyond_scope is not None:
                raise Forbidden(f"This API client may not do this: {beyond_scope}.")
            g.principal = principal
            return view(*args, **kwargs)

        wrapper.access = frozenset(role.value for role in roles) or AUTHENTICATED  # type: ignore[attr-defined]
        apidoc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as callable without a token."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def check_every_route_declares_access(app: Flask) -> None:
    """Refuse to start if a route under /api/ or /webhooks/ neither requires roles nor is marked public."""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(GUARDED_PREFIXES):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access", None) is None and not rule.endpoint.startswith("api-docs."):
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    if undeclared:
        raise RuntimeError("routes without a declared access rule: " + ", ".join(sorted(undeclared)))
