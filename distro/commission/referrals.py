"""What points orders at shops, loaded set-based for a processing batch; buyers bound to the shop that won them.

The decisions are pure (distro.commission.attribution: attribute, new_bindings); this module only reads
their inputs in a fixed number of statements per batch, and writes the bindings they lead to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from distro.commission.attribution import Binding, Candidate, OrderClaims
from distro.commission.orders import Payment

_LOAD_BINDINGS = sa.text(
    "SELECT buyer_reference, shop_id, bound_at, expires_at FROM buyer_bindings "
    "WHERE buyer_reference = ANY(CAST(:buyers AS varchar[]))"
)
_LOAD_SHARE_CODES = sa.text("SELECT code, shop_id FROM share_links WHERE code = ANY(CAST(:codes AS varchar[]))")
_LOAD_SHOPS = sa.text(
    "SELECT s.id, s.slug, s.owner_id, u.phone_reference, s.status = 'active', s.reinstated_at "
    "FROM shops s JOIN users u ON u.id = s.owner_id "
    "WHERE s.slug = ANY(CAST(:slugs AS varchar[])) OR s.id = ANY(CAST(:ids AS bigint[]))"
)
_LOAD_CARRIED = sa.text(
    "SELECT shop_id, product_id FROM shop_products "
    "WHERE shop_id = ANY(CAST(:shops AS bigint[])) AND product_id = ANY(CAST(:products AS bigint[]))"
)
# Last click wins: a binding is replaced only by a later attributed purchase.
_BIND_BUYERS = sa.text(
    """
    INSERT INTO buyer_bindings (buyer_reference, shop_id, share_code, bound_at, expires_at)
    SELECT * FROM unnest(CAST(:buyers AS varchar[]), CAST(:shop_ids AS bigint[]), CAST(:codes AS varchar[]),
                         CAST(:bound_at AS timestamptz[]), CAST(:expires_at AS timestamptz[]))
    ORDER BY 1
    ON CONFLICT (buyer_reference) DO UPDATE
    SET shop_id = EXCLUDED.shop_id, share_code = EXCLUDED.share_code, bound_at = EXCLUDED.bound_at,
        expires_at = EXCLUDED.expires_at
    WHERE buyer_bindings.bound_at < EXCLUDED.bound_at
    """
)


class _Shop(NamedTuple):
    id: int
    slug: str
    owner_id: int
    owner_phone_reference: str | None
    active: bool
    reinstated_at: dt.datetime | None


class _Binding(NamedTuple):
    buyer_reference: str
    shop_id: int
    bound_at: dt.datetime
    expires_at: dt.datetime


def load_claims(session: Session, payments: Mapping[str, Payment]) -> dict[str, OrderClaims]:
    """For each order (by reference) with a payment, what points it at a shop; four statements in all."""
    slugs = {payment.shop_slug for payment in payments.values() if payment.shop_slug}
    codes = {payment.share_code for payment in payments.values() if payment.share_code}
    # A binding can only matter for an order that names no shop.
    buyers = {p.buyer_reference for p in payments.values() if not p.shop_slug and p.buyer_reference}
    bindings: dict[str, _Binding] = {}
    if buyers:
        bindings = {row[0]: _Binding(*row) for row in session.execute(_LOAD_BINDINGS, {"buyers": sorted(buyers)})}
    code_shops: dict[str, int] = {}
    if codes:
        code_shops = dict(session.execute(_LOAD_SHARE_CODES, {"codes": sorted(codes)}).all())
    shop_ids = set(code_shops.values()) | {binding.shop_id for binding in bindings.values()}
    shops: dict[int, _Shop] = {}
    if slugs or shop_ids:
        params = {"slugs": sorted(slugs), "ids": sorted(shop_ids)}
        shops = {row[0]: _Shop(*row) for row in session.execute(_LOAD_SHOPS, params)}
    product_ids = {line.product_id for payment in payments.values() for line in payment.lines}
    carried: dict[int, set[int]] = {shop_id: set() for shop_id in shops}
    if shops and product_ids:
        params = {"shops": sorted(shops), "products": sorted(product_ids)}
        for shop_id, product_id in session.execute(_LOAD_CARRIED, params):
            carried[shop_id].add(product_id)
    by_slug = {shop.slug: shop for shop in shops.values()}

    def candidate(shop: _Shop | None) -> Candidate | None:
        if shop is None:
            return None
        return Candidate(
            shop.id,
            shop.owner_id,
            frozenset(carried[shop.id]),
            shop.owner_phone_reference,
            shop.active,
            shop.reinstated_at,
        )

    claims = {}
    for ref, payment in payments.items():
        binding = bindings.get(payment.buyer_reference) if not payment.shop_slug else None
        named = by_slug.get(payment.shop_slug) if payment.shop_slug else None
        code_shop_id = code_shops.get(payment.share_code) if payment.share_code else None
        claims[ref] = OrderClaims(
            product_ids=frozenset(line.product_id for line in payment.lines),
            named=candidate(named),
            named_unknown=payment.shop_slug if payment.shop_slug and named is None else None,
            code=payment.share_code,
            code_shop=candidate(shops.get(code_shop_id)) if code_shop_id is not None else None,
            binding=candidate(shops.get(binding.shop_id)) if binding is not None else None,
            bound_at=binding.bound_at if binding is not None else None,
            binding_expires_at=binding.expires_at if binding is not None else None,
            buyer_user_id=payment.buyer_user_id,
            buyer_reference=payment.buyer_reference or None,
            paid_at=payment.paid_at,
        )
    return claims


def bind_buyers(session: Session, bindings: Sequence[Binding]) -> None:
    """Write the bindings a batch led to (attribution.new_bindings); one statement. An older one never
    replaces a later one another batch wrote."""
    if not bindings:
        return
    session.execute(
        _BIND_BUYERS,
        {
            "buyers": [binding.buyer_reference for binding in bindings],
            "shop_ids": [binding.shop_id for binding in bindings],
            "codes": [binding.share_code for binding in bindings],
            "bound_at": [binding.bound_at for binding in bindings],
            "expires_at": [binding.expires_at for binding in bindings],
        },
    )
