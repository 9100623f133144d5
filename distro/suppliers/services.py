"""Supplier use cases: apply, admin decisions, products and SKUs (commission rates: distro/suppliers/rates.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.clock import utcnow
from distro.deposits.standing import refresh_standing
from distro.errors import Conflict, Forbidden, NotFound, ValidationFailed
from distro.suppliers.models import CommissionRate, Product, ProductSku, Supplier
from distro.suppliers.rules import (
    ACTIONS_NEEDING_REASON,
    MAY_APPLY_FROM,
    MAY_READ,
    STOPPED,
    Qualification,
    QualificationPolicy,
    RateBounds,
    SupplierAction,
    SupplierStatus,
    TransitionRefused,
    next_status,
    price_failures,
    qualification_failures,
    rate_failures,
)
from distro.validation import FieldError

PRODUCT_FIELDS = ("title", "description", "category", "image_urls", "price_fen", "other_platform_price_fen", "stock")


def find_supplier_of(session: Session, user_id: int) -> Supplier | None:
    """The supplier profile of an account, if it has one."""
    return session.execute(sa.select(Supplier).where(col(Supplier.user_id) == user_id)).scalar_one_or_none()


def get_own_supplier(session: Session, user_id: int) -> Supplier:
    """The caller's supplier profile, or NotFound when the account has not applied."""
    supplier = find_supplier_of(session, user_id)
    if supplier is None:
        raise NotFound("This account has no supplier application yet.")
    return supplier


def apply(
    *, session: Session, user_id: int, company_name: str, qualification: Qualification, policy: QualificationPolicy
) -> Supplier:
    """Submit (or, after a rejection, resubmit) a supplier application and commit.

    An application that falls short is refused with every rule it fails, and nothing is saved.
    """
    supplier = find_supplier_of(session, user_id)
    if supplier is not None:
        refuse_if_stopped(supplier)
    failures = qualification_failures(qualification, policy)
    if failures:
        raise ValidationFailed("The application falls short of the supplier requirements.", failures)
    current = SupplierStatus(supplier.status) if supplier else None
    if current not in MAY_APPLY_FROM:
        raise Conflict(f"This account is already a supplier ({supplier.status}); it cannot apply again.")  # type: ignore[union-attr]
    values = {"company_name": company_name, **vars(qualification)}
    if supplier is None:
        supplier = Supplier(user_id=user_id, deposit_required_fen=policy.min_deposit_fen, **values)
        session.add(supplier)
    else:
        for name, value in values.items():
            setattr(supplier, name, value)
        supplier.status, supplier.status_reason = SupplierStatus.APPLIED.value, None
        supplier.decided_by = supplier.decided_at = None
        if supplier.deposit_required_by is None:  # the platform's requirement now, unless an admin set its own
            supplier.deposit_required_fen = policy.min_deposit_fen
    session.flush()
    assert supplier.id is not None  # flushed
    audit.record(
        session,
        actor_id=user_id,
        action="supplier.applied",
        subject_type="supplier",
        subject_id=supplier.id,
        after=_jsonable(values),
    )
    session.commit()
    return supplier


def suppliers_query(status: str | None) -> sa.Select:
    """Suppliers, optionally of one status, oldest application first (the review queue)."""
    query = sa.select(Supplier).order_by(col(Supplier.id))
    return query.where(col(Supplier.status) == status) if status else query


def decide(
    *, session: Session, supplier_id: int, action: SupplierAction, reason: str | None, admin_id: int | None
) -> Supplier:
    """Apply an admin's decision to a supplier and commit (admin_id None: a rule decided it in a job, as the monthly
    review's suspension at a third strike or overdue dues).

    Suspending or removing takes every product of the supplier out of the pool and out of every
    shop at once (one UPDATE); reinstating brings them back, if it holds its deposit
    (distro/deposits/standing.py). Orders already paid are unaffected.
    A decision the supplier already has changes nothing.
    """
    supplier = session.execute(
        sa.select(Supplier).where(col(Supplier.id) == supplier_id).with_for_update()
    ).scalar_one_or_none()
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    if supplier.user_id == admin_id:
        raise Forbidden("An admin cannot decide on their own supplier account.")
    if action in ACTIONS_NEEDING_REASON and not (reason or "").strip():
        raise ValidationFailed(
            "A reason is required.", [FieldError("reason", f"required to {action.value}", "required")]
        )
    before = supplier.status
    try:
        after = next_status(SupplierStatus(before), action).value
    except TransitionRefused as error:
        raise Conflict(str(error)) from error
    if after == before:  # decided already: the first decision and its reason stand
        session.commit()
        return supplier
    supplier.status, supplier.status_reason = after, reason
    supplier.decided_by, supplier.decided_at = admin_id, utcnow()
    session.flush()
    refresh_standing(session, [supplier.id])
    audit.record(
        session,
        actor_id=admin_id,
        action=f"supplier.{action.value}",
        subject_type="supplier",
        subject_id=supplier.id,
        before={"status": before},
        after={"status": supplier.status, "reason": reason},
    )
    session.commit()
    return supplier


def refuse_if_stopped(supplier: Supplier) -> None:
    """Forbidden, naming the suspension (or removal) and its reason, when an admin stopped the supplier:
    it may change nothing, whatever the endpoint."""
    if SupplierStatus(supplier.status) in STOPPED:
        raise Forbidden(
            f"This supplier is {supplier.status} ({supplier.status_reason or 'no reason given'}): it can change "
            "nothing until an admin reinstates it.",
            supplier_status=supplier.status,
            status_reason=supplier.status_reason,
        )


def require_approved_supplier(session: Session, user_id: int) -> Supplier:
    """The caller's supplier profile if approved, to change something; Forbidden otherwise (naming a suspension)."""
    supplier = find_supplier_of(session, user_id)
    if supplier is not None:
        refuse_if_stopped(supplier)
    if supplier is None or supplier.status != SupplierStatus.APPROVED.value:
        state = "has not applied" if supplier is None else f"is {supplier.status}"
        raise Forbidden(f"Only an approved supplier can do this; this supplier {state}.")
    return supplier


def require_reading_supplier(session: Session, user_id: int) -> Supplier:
    """The caller's supplier profile if approved or suspended, to read what it has; Forbidden otherwise."""
    supplier = find_supplier_of(session, user_id)
    if supplier is None or SupplierStatus(supplier.status) not in MAY_READ:
        state = "has not applied" if supplier is None else f"is {supplier.status}"
        raise Forbidden(f"Only an approved or suspended supplier can read this; this supplier {state}.")
    return supplier


def get_own_product(session: Session, user_id: int, product_id: int, *, lock: bool = False) -> Product:
    """A product of the caller's supplier; NotFound for anyone else's (its existence is not revealed).

    lock: to change it (the row locked, and only an approved supplier); else to read it.
    """
    supplier = require_approved_supplier(session, user_id) if lock else require_reading_supplier(session, user_id)
    query = sa.select(Product).where(col(Product.id) == product_id, col(Product.supplier_id) == supplier.id)
    product = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if product is None:
        raise NotFound(f"No product {product_id} of this supplier.")
    return product


def own_products_query(
    session: Session, user_id: int, *, status: str | None = None, title_contains: str | None = None
) -> sa.Select:
    """The caller's products, newest first; only those of a status ('listed', 'delisted'), or whose title
    contains some words, when asked."""
    supplier = require_reading_supplier(session, user_id)
    query = sa.select(Product).where(col(Product.supplier_id) == supplier.id)
    if status is not None:
        query = query.where(col(Product.status) == status)
    if title_contains:
        query = query.where(col(Product.title).icontains(title_contains, autoescape=True))
    return query.order_by(col(Product.id).desc())


def skus_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[ProductSku]]:
    """SKUs by product id for the given products."""
    result: dict[int, list[ProductSku]] = {product_id: [] for product_id in product_ids}
    rows = session.execute(
        sa.select(ProductSku).where(col(ProductSku.product_id).in_(product_ids)).order_by(col(ProductSku.id))
    ).scalars()
    for sku in rows:
        result[sku.product_id].append(sku)
    return result


def _check_product(values: Mapping[str, Any], skus: Sequence[Mapping[str, Any]] | None) -> None:
    prices = [("price_fen", values["price_fen"])]
    prices += [(f"skus.{index}.price_fen", sku["price_fen"]) for index, sku in enumerate(skus or [])]
    failures = price_failures(prices, values["other_platform_price_fen"])
    names = [sku["name"] for sku in skus or []]
    if len(set(names)) != len(names):
        failures.append(FieldError("skus", "SKU names must be unique within a product", "unique"))
    if failures:
        raise ValidationFailed("The product breaks a pricing rule.", failures)


def _replace_skus(session: Session, product: Product, skus: Sequence[Mapping[str, Any]]) -> None:
    session.execute(sa.delete(ProductSku).where(col(ProductSku.product_id) == product.id))
    for sku in skus:
        session.add(ProductSku(product_id=product.id, **sku))  # type: ignore[arg-type]
    if skus:
        product.stock = sum(int(sku["stock"]) for sku in skus)


def create_product(
    *,
    session: Session,
    user_id: int,
    values: Mapping[str, Any],
    rate_bp: int,
    skus: Sequence[Mapping[str, Any]] | None,
    bounds: RateBounds,
) -> Product:
    """Create a listed product with its first commission rate (and SKUs) for the caller's supplier; commit."""
    supplier = require_approved_supplier(session, user_id)
    _check_product(values, skus)
    failures = rate_failures(rate_bp, bounds, "commission_rate_bp")
    if failures:
        raise ValidationFailed("The commission rate is out of bounds.", failures)
    product = Product(supplier_id=supplier.id, commission_rate_bp=rate_bp, **values)  # type: ignore[arg-type]
    session.add(product)
    session.flush()
    assert product.id is not None  # flushed
    _replace_skus(session, product, skus or [])
    session.add(CommissionRate(product_id=product.id, rate_bp=rate_bp, set_by=user_id))
    session.flush()
    assert supplier.id is not None
    refresh_standing(session, [supplier.id])  # in the pool only while the supplier holds its deposit
    audit.record(
        session,
        actor_id=user_id,
        action="product.created",
        subject_type="product",
        subject_id=product.id,
        after=_jsonable({**values, "commission_rate_bp": rate_bp}),
    )
    session.commit()
    session.refresh(product)
    return product


def update_product(
    *,
    session: Session,
    user_id: int,
    product_id: int,
    changes: Mapping[str, Any],
    skus: Sequence[Mapping[str, Any]] | None,
) -> Product:
    """Change the caller's product (only supplier fields; the rate has its own use case); commit."""
    product = get_own_product(session, user_id, product_id, lock=True)
    before = {name: getattr(product, name) for name in changes}
    merged = {name: getattr(product, name) for name in PRODUCT_FIELDS} | dict(changes)
    _check_product(merged, skus)
    for name, value in changes.items():
        setattr(product, name, value)
    if skus is not None:
        before["skus"] = [
            {"name": s.name, "price_fen": s.price_fen, "stock": s.stock}
            for s in skus_of(session, [product_id])[product_id]
        ]
        _replace_skus(session, product, skus)
    product.updated_at = utcnow()
    after = dict(changes) | ({"skus": list(skus)} if skus is not None else {})
    audit.record(
        session,
        actor_id=user_id,
        action="product.updated",
        subject_type="product",
        subject_id=product_id,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.commit()
    session.refresh(product)
    return product


def set_listed(*, session: Session, user_id: int, product_id: int, listed: bool) -> Product:
    """List or delist the caller's product; a delisted product leaves the pool and every shop at once."""
    product = get_own_product(session, user_id, product_id, lock=True)
    before, product.status = product.status, "listed" if listed else "delisted"
    product.updated_at = utcnow()
    audit.record(
        session,
        actor_id=user_id,
        action=f"product.{product.status}",
        subject_type="product",
        subject_id=product_id,
        before={"status": before},
        after={"status": product.status},
    )
    session.commit()
    session.refresh(product)
    return product


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in values.items()}
