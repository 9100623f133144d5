"""Shop use cases: open a shop, pick and arrange pool products, browse the pool, the public shop page."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth.models import User
from distro.commission.calculator import line_commission
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.shops.credit import CreditScoreProvider
from distro.shops.models import Shop, ShopProduct, SupplierShopStop
from distro.shops.rules import (
    ShopPolicy,
    display_name,
    eligibility_failures,
    name_failures,
    normalise_name,
    reorder_failures,
    slug_failures,
)
from distro.suppliers.models import Product
from distro.tiers.rules import Tier, TierTable
from distro.validation import FieldError

SLUG_ALPHABET = string.ascii_lowercase + string.digits
OPEN_STATUSES = ("pending_approval", "active", "suspended")


def _generated_slug() -> str:
    return "s" + "".join(secrets.choice(SLUG_ALPHABET) for _ in range(7))


def open_shop(
    *,
    session: Session,
    owner_id: int,
    name: str,
    slug: str | None,
    policy: ShopPolicy,
    credit: CreditScoreProvider,
) -> Shop:
    """Open a shop for the caller and commit: eligibility, the per-owner limit, name and slug rules.

    With the credit-score rule the shop opens at once; with admin approval it waits as pending_approval.
    """
    owner = session.execute(sa.select(User).where(col(User.id) == owner_id).with_for_update()).scalar_one()
    name = normalise_name(name)
    failures = name_failures(name, policy) + (slug_failures(slug) if slug else [])
    failures += eligibility_failures(credit.score(owner_id) if policy.eligibility == "credit_score" else None, policy)
    allowance = owner.max_shops if owner.max_shops is not None else policy.shops_per_owner
    open_count = session.execute(
        sa.select(sa.func.count())
        .select_from(Shop)
        .where(col(Shop.owner_id) == owner_id, col(Shop.status).in_(OPEN_STATUSES))
    ).scalar_one()
    if open_count >= allowance:
        failures.append(
            FieldError("owner", f"an owner may have {allowance} shop(s); ask an admin for more", "shops_per_owner")
        )
    if not failures and name_taken(session, name):
        failures.append(FieldError("name", "is already taken", "unique"))
    if not failures and slug and session.scalar(sa.select(col(Shop.id)).where(col(Shop.slug) == slug)):
        failures.append(FieldError("slug", "is already taken", "unique"))
    if failures:
        raise ValidationFailed("The shop cannot be opened.", failures)
    shop = Shop(
        owner_id=owner_id,
        name=name,
        display_name=display_name(name, policy),
        slug=slug or _generated_slug(),
        status="active" if policy.eligibility == "credit_score" else "pending_approval",
    )
    session.add(shop)
    try:
        session.flush()
    except sa.exc.IntegrityError as error:  # a concurrent request took the name or slug first
        session.rollback()
        raise ValidationFailed(
            "The shop cannot be opened.", [FieldError("name", "is already taken", "unique")]
        ) from error
    audit.record(
        session,
        actor_id=owner_id,
        action="shop.opened",
        subject_type="shop",
        subject_id=shop.id,  # type: ignore[arg-type]
        after={"name": shop.name, "slug": shop.slug, "status": shop.status},
    )
    session.commit()
    return shop


def name_taken(session: Session, name: str) -> bool:
    """Whether a shop has this (normalised) name already, compared case-insensitively."""
    return session.scalar(sa.select(col(Shop.id)).where(sa.func.lower(col(Shop.name)) == name.lower())) is not None


def own_shops_query(owner_id: int) -> sa.Select:
    """The caller's shops, oldest first."""
    return sa.select(Shop).where(col(Shop.owner_id) == owner_id).order_by(col(Shop.id))


def get_own_shop(session: Session, owner_id: int, shop_id: int, *, lock: bool = False) -> Shop:
    """The caller's shop; NotFound for anyone else's (its existence is not revealed)."""
    query = sa.select(Shop).where(col(Shop.id) == shop_id, col(Shop.owner_id) == owner_id)
    shop = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if shop is None:
        raise NotFound(f"No shop {shop_id} of this account.")
    return shop


def shops_query(status: str | None) -> sa.Select:
    """All shops, optionally of one status, oldest first (admin)."""
    query = sa.select(Shop).order_by(col(Shop.id))
    return query.where(col(Shop.status) == status) if status else query


def approve_shop(*, session: Session, shop_id: int, admin_id: int) -> Shop:
    """Open a shop that waits for admin approval; commit."""
    shop = session.execute(sa.select(Shop).where(col(Shop.id) == shop_id).with_for_update()).scalar_one_or_none()
    if shop is None:
        raise NotFound(f"No shop {shop_id}.")
    if shop.status != "pending_approval":
        raise Conflict(f"Shop {shop_id} is {shop.status}, not waiting for approval.")
    shop.status = "active"
    audit.record(
        session,
        actor_id=admin_id,
        action="shop.approved",
        subject_type="shop",
        subject_id=shop_id,
        before={"status": "pending_approval"},
        after={"status": "active"},
    )
    session.commit()
    return shop


def set_shop_allowance(*, session: Session, user_id: int, max_shops: int, admin_id: int) -> User:
    """Let an owner open up to max_shops shops; commit."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No account {user_id}.")
    before, user.max_shops = user.max_shops, max_shops
    audit.record(
        session,
        actor_id=admin_id,
        action="user.shop_allowance",
        subject_type="user",
        subject_id=user_id,
        before={"max_shops": before},
        after={"max_shops": max_shops},
    )
    session.commit()
    return user


def _check_reason(reason: str, policy: ShopPolicy) -> None:
    if len(reason) > policy.reason_max_length:
        raise ValidationFailed(
            "The recommendation reason is too long.",
            [FieldError("reason", f"must be at most {policy.reason_max_length} characters", "length")],
        )


@dataclass(frozen=True)
class ShopItem:
    """A product as it stands in a shop: the product, the owner's reason, its position."""

    product: Product
    reason: str
    position: int


def _shop_item(session: Session, item: ShopProduct) -> ShopItem:
    return ShopItem(session.get_one(Product, item.product_id), item.reason, item.position)


def add_product(
    *, session: Session, owner_id: int, shop_id: int, product_id: int, reason: str, policy: ShopPolicy
) -> ShopItem:
    """Pick a pool product into the caller's shop, last in order; commit.

    The shop row is locked so that two picks at once cannot pass the product limit together.
    """
    get_own_shop(session, owner_id, shop_id, lock=True)
    _check_reason(reason, policy)
    in_pool = session.scalar(sa.select(col(Product.in_pool)).where(col(Product.id) == product_id))
    if not in_pool:
        raise ValidationFailed(
            "Only products in the pool can be added.",
            [
                FieldError(
                    "product_id", "is not in the pool (unknown, delisted, out of stock or supplier inactive)", "in_pool"
                )
            ],
        )
    if stopped_by_supplier(session, shop_id, product_id):
        raise ValidationFailed(
            "The product's supplier stopped this shop carrying its goods.",
            [FieldError("product_id", "its supplier stopped this shop carrying its goods", "supplier_stopped")],
        )
    count, last = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(ShopProduct.position), 0)).where(
            col(ShopProduct.shop_id) == shop_id
        )
    ).one()
    if session.get(ShopProduct, (shop_id, product_id)) is not None:
        raise Conflict(f"Product {product_id} is already in this shop.")
    if count >= policy.max_products:
        raise ValidationFailed(
            "The shop is full.",
            [FieldError("product_id", f"a shop carries at most {policy.max_products} products", "max_products")],
        )
    item = ShopProduct(shop_id=shop_id, product_id=product_id, position=last + 1, reason=reason)
    session.add(item)
    session.commit()
    return _shop_item(session, item)


def stopped_by_supplier(session: Session, shop_id: int, product_id: int) -> bool:
    """Whether the product's supplier stopped the shop carrying its goods (a stop in force: 停止合作)."""
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    col(SupplierShopStop.shop_id) == shop_id,
                    col(SupplierShopStop.resumed_at).is_(None),
                    col(SupplierShopStop.supplier_id)
                    == sa.select(col(Product.supplier_id)).where(col(Product.id) == product_id).scalar_subquery(),
                )
            )
        )
    )


def _own_item(session: Session, owner_id: int, shop_id: int, product_id: int) -> ShopProduct:
    get_own_shop(session, owner_id, shop_id, lock=True)
    item = session.get(ShopProduct, (shop_id, product_id))
    if item is None:
        raise NotFound(f"Product {product_id} is not in shop {shop_id}.")
    return item


def set_reason(
    *, session: Session, owner_id: int, shop_id: int, product_id: int, reason: str, policy: ShopPolicy
) -> ShopItem:
    """Change the owner's recommendation reason for a product in their shop; commit."""
    _check_reason(reason, policy)
    item = _own_item(session, owner_id, shop_id, product_id)
    item.reason = reason
    session.commit()
    return _shop_item(session, item)


def remove_product(*, session: Session, owner_id: int, shop_id: int, product_id: int) -> None:
    """Take a product out of the caller's shop; commit."""
    session.delete(_own_item(session, owner_id, shop_id, product_id))
    session.commit()


def reorder_products(*, session: Session, owner_id: int, shop_id: int, product_ids: Sequence[int]) -> None:
    """Put the shop's products in the given order (which must list each exactly once); commit."""
    get_own_shop(session, owner_id, shop_id, lock=True)
    current = list(
        session.execute(sa.select(col(ShopProduct.product_id)).where(col(ShopProduct.shop_id) == shop_id)).scalars()
    )
    failures = reorder_failures(current, product_ids)
    if failures:
        raise ValidationFailed("The new order does not match the shop's products.", failures)
    session.execute(
        sa.text(
            "UPDATE shop_products SET position = o.position FROM unnest(CAST(:ids AS bigint[])) "
            "WITH ORDINALITY AS o(product_id, position) "
            "WHERE shop_products.shop_id = :shop_id AND shop_products.product_id = o.product_id"
        ),
        {"ids": list(product_ids), "shop_id": shop_id},
    )
    session.commit()


def shop_items_query(shop_id: int, *, visible_only: bool) -> sa.Select:
    """A shop's products with reason and position, in the owner's order; visible_only keeps those in the pool."""
    query = (
        sa.select(Product, col(ShopProduct.reason), col(ShopProduct.position))
        .join(ShopProduct, col(ShopProduct.product_id) == Product.id)
        .where(col(ShopProduct.shop_id) == shop_id)
        .order_by(col(ShopProduct.position))
    )
    return query.where(col(Product.in_pool).is_(True)) if visible_only else query


class ShopNotOpen(NotFound):
    """A shop an admin suspended or closed: its pages say so, 404 while suspended and 410 once closed for good."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(f"Shop {shop.slug!r} is {shop.status}: it takes no orders.", shop_status=shop.status)
        self.shop = shop
        if shop.status == "closed":
            self.status, self.slug, self.title = 410, "gone", "Gone"


def active_shop(session: Session, slug: str) -> Shop:
    """The active shop with this slug; ShopNotOpen when an admin suspended or closed it, NotFound otherwise."""
    shop = session.execute(sa.select(Shop).where(col(Shop.slug) == slug)).scalar_one_or_none()
    if shop is not None and shop.status in ("suspended", "closed"):
        raise ShopNotOpen(shop)
    if shop is None or shop.status != "active":
        raise NotFound(f"No open shop {slug!r}.")
    return shop


def public_shop(session: Session, slug: str) -> tuple[Shop, list[Any]]:
    """An active shop by slug with the products a buyer can order, for the landing pages."""
    shop = active_shop(session, slug)
    assert shop.id is not None  # loaded from the database
    return shop, list(session.execute(shop_items_query(shop.id, visible_only=True)).all())


# --- Pool browsing ---------------------------------------------------------------------------

POOL_SORTS: dict[str, tuple[sa.UnaryExpression[Any], ...]] = {
    "commission": (col(Product.commission_rate_bp).desc(), col(Product.id).desc()),
    "price": (col(Product.price_fen).asc(), col(Product.id).asc()),
    "-price": (col(Product.price_fen).desc(), col(Product.id).desc()),
    "recent_sales": (col(Product.recent_sales).desc(), col(Product.id).desc()),
    "newest": (col(Product.created_at).desc(), col(Product.id).desc()),
}


@dataclass(frozen=True)
class PoolFilter:
    """What an owner asked the pool for."""

    category: str | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    min_rate_bp: int | None = None
    supplier_id: int | None = None
    keyword: str | None = None
    sort: str = "commission"


def pool_query(pool_filter: PoolFilter) -> sa.Select:
    """Products in the pool matching the filter, in the requested order."""
    # Plain `in_pool`, not `in_pool IS TRUE`: PostgreSQL uses the partial pool indexes (WHERE in_pool)
    # only when the query states their predicate as written.
    query = sa.select(Product).where(col(Product.in_pool))  # type: ignore[arg-type]  # a nullable bool is a valid WHERE
    if pool_filter.category:
        query = query.where(col(Product.category) == pool_filter.category)
    if pool_filter.min_price_fen is not None:
        query = query.where(col(Product.price_fen) >= pool_filter.min_price_fen)
    if pool_filter.max_price_fen is not None:
        query = query.where(col(Product.price_fen) <= pool_filter.max_price_fen)
    if pool_filter.min_rate_bp is not None:
        query = query.where(col(Product.commission_rate_bp) >= pool_filter.min_rate_bp)
    if pool_filter.supplier_id is not None:
        query = query.where(col(Product.supplier_id) == pool_filter.supplier_id)
    if pool_filter.keyword:
        query = query.where(col(Product.title).icontains(pool_filter.keyword, autoescape=True))
    return query.order_by(*POOL_SORTS[pool_filter.sort])


def owner_tier(session: Session, owner_id: int, shop_id: int | None, tiers: TierTable) -> Tier:
    """The tier whose share the owner earns: of the given own shop, else of their first open shop,
    else the entry tier (an owner without a shop yet)."""
    if shop_id is not None:
        return tiers.get(get_own_shop(session, owner_id, shop_id).tier_code)
    code = session.scalar(
        own_shops_query(owner_id)
        .where(col(Shop.status).in_(OPEN_STATUSES))
        .with_only_columns(col(Shop.tier_code))
        .limit(1)
    )
    return tiers.get(code) if code else tiers.entry


def with_earnings(products: Sequence[Product], tier: Tier) -> list[dict[str, Any]]:
    """Pool items with what the owner would earn on one sale at the list price, at their tier
    (the same calculation that accrues commission when an order is paid)."""
    return [
        {
            **product.model_dump(),
            "you_earn_fen": line_commission(product.price_fen, product.commission_rate_bp, tier.share_bp).owner,
            "tier": tier.code,
        }
        for product in products
    ]
