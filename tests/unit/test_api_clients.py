"""API clients' pure rules: which scope a route needs, what a token's scope lets it call, and secrets kept only as
hashes, compared in constant time."""

from __future__ import annotations

import datetime as dt
import hmac

import pytest

from distro.auth import clients
from distro.auth.tokens import InvalidToken, TokenSettings, issue_access_token, verify_access_token

SETTINGS = TokenSettings(
    keys={"k1": "a-key-long-enough-for-hs256-0123456789abcdef0123456789abcdef012345"},
    algorithm="HS256",
    issuer="distro",
    audience="distro-api",
    lifetime_seconds=900,
)


def test_a_reading_call_needs_its_areas_read_scope_and_any_other_its_write_scope():
    assert clients.route_scope("storefront_api.after_sales_requests", "GET") == "orders:read"
    assert clients.route_scope("storefront_api.cancel", "POST") == "orders:write"
    assert clients.route_scope("settlement.list_batches", "HEAD") == "settlement:read"
    assert clients.route_scope("ledger.create_adjustment", "POST") == "settlement:write"
    assert clients.route_scope("suppliers.update_product", "PATCH") == "products:write"


def test_the_shipping_list_and_shipping_have_their_own_area():
    assert clients.route_scope("storefront_api.shipments", "GET") == "shipments:read"
    assert clients.route_scope("storefront_api.ship", "POST") == "shipments:write"


def test_a_route_outside_every_area_is_closed_to_clients():
    assert clients.route_scope("webhooks.receive", "POST") is None
    assert clients.scope_refusal(frozenset(clients.SCOPES), "webhooks.receive", "POST") == (
        "no API client may call this route"
    )


def test_a_person_s_token_is_not_limited_by_scope():
    assert clients.scope_refusal(None, "storefront_api.ship", "POST") is None


def test_a_client_s_token_calls_only_within_its_scope():
    granted = frozenset({"shipments:read", "orders:read"})
    assert clients.scope_refusal(granted, "storefront_api.shipments", "GET") is None
    assert clients.scope_refusal(granted, "storefront_api.ship", "POST") == "the token's scope lacks shipments:write"
    assert clients.scope_refusal(frozenset(), "storefront_api.shipments", "GET") is not None


def test_every_scope_is_an_area_read_or_written_and_unknown_ones_are_named():
    assert len(clients.SCOPES) == 2 * len(clients.AREAS)
    assert "settlement:read" in clients.SCOPES and "orders:write" in clients.SCOPES
    assert clients.scope_failures(["orders:read", "orders:delete", "root"]) == ["orders:delete", "root"]


def test_a_secret_is_random_and_kept_only_as_its_sha256():
    first, second = clients.new_secret(), clients.new_secret()
    assert first != second and len(first) >= 43
    stored = clients.hash_secret(first)
    assert len(stored) == 64 and first not in stored
    assert stored == clients.hash_secret(first)


def test_only_the_secret_the_hash_was_made_from_matches():
    secret = clients.new_secret()
    stored = clients.hash_secret(secret)
    assert clients.secret_matches(secret, stored)
    assert not clients.secret_matches(secret + "x", stored)
    assert not clients.secret_matches("", stored)


def test_an_unknown_client_never_matches_even_with_the_placeholder_s_own_secret():
    assert not clients.secret_matches("no such client", None)


def test_secrets_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch):
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(clients.hmac, "compare_digest", spy)
    secret = clients.new_secret()
    clients.secret_matches(secret, clients.hash_secret(secret))
    clients.secret_matches(secret, None)
    # Both a known and an unknown client go through one comparison of two digests of the same length.
    assert len(compared) == 2 and all(len(a) == len(b) == 64 for a, b in compared)


def test_a_client_s_token_carries_its_client_and_scope_and_a_person_s_neither():
    now = dt.datetime.now(dt.UTC)
    token = issue_access_token(
        7, ["supplier"], SETTINGS, now, 2, client_id=5, scopes={"orders:read", "shipments:write"}
    )
    claims = verify_access_token(token, SETTINGS)
    assert claims.client_id == 5 and claims.scopes == frozenset({"orders:read", "shipments:write"})
    assert claims.user_id == 7 and claims.version == 2
    person = verify_access_token(issue_access_token(7, ["supplier"], SETTINGS, now), SETTINGS)
    assert person.client_id is None and person.scopes is None


def test_a_client_token_without_a_scope_claim_is_refused():
    import jwt

    now = int(dt.datetime.now(dt.UTC).timestamp())
    payload = {"sub": "7", "roles": [], "iat": now, "exp": now + 60, "iss": "distro", "aud": "distro-api", "cid": 5}
    token = jwt.encode(payload, SETTINGS.keys["k1"], algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="scope"):
        verify_access_token(token, SETTINGS)
