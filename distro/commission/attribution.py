"""Which shop an order belongs to, and which of its products earn that shop commission (pure).

Decided once, from everything known when the order's payment is processed:

1. An order that names a shop (placed on that shop's own page, or an outside order naming it)
   belongs to that shop. A share code or a binding never takes it elsewhere.
2. Only an order that names no shop follows a referral: its share code's shop, else the shop the
   buyer is bound to (a binding made before and unexpired when the order was paid). A buyer a share
   link brought is bound to that link's shop for the binding days; a later such purchase rebinds them.
3. A shop is attributed an order only if it carries at least one of the order's products when it
   is paid, and is paid only on the products it carries. A referral whose shop carries none of
   them falls through to the next rule.
4. The order is a self-purchase when the buyer is the shop's owner: the same account, or the
   owner's verified phone number (compared as stored, hashed).
5. Only an active shop is attributed an order, and a shop an admin reinstated after a suspension
   only orders paid since. An order naming a suspended or closed shop belongs to no shop (no
   commission: rule 1 keeps it from going elsewhere); a referral to one falls through to the next rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

NONE, SHOP, SHARE_CODE, BINDING = "none", "shop", "share_code", "binding"


@dataclass(frozen=True)
class Candidate:
    """A shop that might own the order: who owns it and which of the order's products it carries."""

    shop_id: int
    owner_id: int
    carried: frozenset[int]
    owner_phone_reference: str | None = None
    active: bool = True
    reinstated_at: dt.datetime | None = None

    def open_for(self, paid_at: dt.datetime | None) -> bool:
        """True when the shop may be attributed an order paid at paid_at (rule 5)."""
        if not self.active:
            return False
        return self.reinstated_at is None or paid_at is None or paid_at >= self.reinstated_at


@dataclass(frozen=True)
class OrderClaims:
    """What points at a shop: the shop the order names, its share code's shop, the buyer's binding.

    A name or code given but unknown is carried as text, so the order can be set aside with the reason.
    """

    product_ids: frozenset[int]
    named: Candidate | None = None
    named_unknown: str | None = None
    code: str | None = None
    code_shop: Candidate | None = None
    binding: Candidate | None = None
    bound_at: dt.datetime | None = None
    binding_expires_at: dt.datetime | None = None
    buyer_user_id: int | None = None
    buyer_reference: str | None = None
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class Attribution:
    """The shop an order belongs to (None: no shop earns on it), how it was found, and what it earns on."""

    shop_id: int | None
    how: str
    share_code: str | None = None
    earning_products: frozenset[int] = frozenset()
    self_purchase: bool = False
    problems: tuple[str, ...] = ()


UNATTRIBUTED = Attribution(None, NONE)


def attribute(claims: OrderClaims) -> Attribution:
    """Decide the order's shop from its claims, by the rules in this module's docstring."""
    if claims.named_unknown is not None:
        return Attribution(None, NONE, problems=(f"unknown shop {claims.named_unknown!r}",))
    if claims.named is not None:
        if not claims.named.open_for(claims.paid_at):
            return UNATTRIBUTED
        # The code counts as how the buyer came only when it is one of this shop's own links.
        own_code = claims.code if claims.code_shop and claims.code_shop.shop_id == claims.named.shop_id else None
        return _to(claims.named, SHARE_CODE if own_code else SHOP, claims, own_code)
    if claims.code is not None and claims.code_shop is None:
        return Attribution(None, NONE, problems=(f"unknown share code {claims.code!r}",))
    if claims.code_shop is not None and _may_take(claims.code_shop, claims):
        return _to(claims.code_shop, SHARE_CODE, claims, claims.code)
    if claims.binding is not None and _binding_in_force(claims) and _may_take(claims.binding, claims):
        return _to(claims.binding, BINDING, claims, None)
    return UNATTRIBUTED


def _binding_in_force(claims: OrderClaims) -> bool:
    """The buyer's binding counts for an order paid while it held: made before the payment, expiring after it."""
    if claims.paid_at is None:
        return True
    made = claims.bound_at is None or claims.bound_at <= claims.paid_at
    return made and (claims.binding_expires_at is None or claims.paid_at <= claims.binding_expires_at)


def _may_take(shop: Candidate, claims: OrderClaims) -> bool:
    """A referral's shop takes the order when it is open for it and carries one of its products."""
    return shop.open_for(claims.paid_at) and not shop.carried.isdisjoint(claims.product_ids)


def _to(shop: Candidate, how: str, claims: OrderClaims, share_code: str | None) -> Attribution:
    earning = shop.carried & claims.product_ids
    if not earning:
        return UNATTRIBUTED
    return Attribution(
        shop_id=shop.shop_id,
        how=how,
        share_code=share_code,
        earning_products=earning,
        self_purchase=is_self_purchase(shop, claims.buyer_user_id, claims.buyer_reference),
    )


def is_self_purchase(shop: Candidate, buyer_user_id: int | None, buyer_reference: str | None) -> bool:
    """True when the buyer is the shop's owner: signed in as them, or paying with their verified phone."""
    if buyer_user_id is not None and buyer_user_id == shop.owner_id:
        return True
    return bool(buyer_reference) and buyer_reference == shop.owner_phone_reference


@dataclass(frozen=True)
class Binding:
    """A buyer bound to the shop whose share link brought them, until expires_at."""

    buyer_reference: str
    shop_id: int
    share_code: str | None
    bound_at: dt.datetime
    expires_at: dt.datetime


def new_bindings(attributed: Iterable[tuple[str, dt.datetime, Attribution]], binding_days: int) -> list[Binding]:
    """The bindings orders (buyer reference, paid at, attribution) lead to: one per buyer, in buyer order.

    Only an order a share code brought to its shop binds its buyer; of a buyer's several, the latest paid wins.
    """
    latest: dict[str, Binding] = {}
    for buyer, paid_at, attribution in attributed:
        if attribution.how != SHARE_CODE or not buyer or attribution.shop_id is None:
            continue
        if buyer not in latest or paid_at > latest[buyer].bound_at:
            expires_at = paid_at + dt.timedelta(days=binding_days)
            latest[buyer] = Binding(buyer, attribution.shop_id, attribution.share_code, paid_at, expires_at)
    return [latest[buyer] for buyer in sorted(latest)]
