"""A supplier's promises: setting them (effective for orders paid from now on), their history, the promises in
force for many suppliers at once (badges), and the breaches a supplier sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.sql.selectable import LateralFromClause
from sqlmodel import Session, col

from distro import audit
from distro.commission.models import Order
from distro.errors import ValidationFailed
from distro.promises.models import PromiseBreach, SupplierPromise
from distro.promises.rules import (
    Badge,
    BreachKind,
    Compensation,
    CompensationKind,
    PromiseBounds,
    PromiseTerms,
    badges,
    deadline,
    terms_failures,
)
from distro.suppliers.services import require_approved_supplier, require_reading_supplier


def _compensation(kind: str | None, value: int | None) -> Compensation | None:
    return None if kind is None or value is None else Compensation(CompensationKind(kind), value)


def terms_of(row: SupplierPromise | None) -> PromiseTerms | None:
    """The terms a stored promise row holds (None: no row)."""
    if row is None:
        return None
    return PromiseTerms(
        ship_within_hours=row.ship_within_hours,
        ship_compensation=_compensation(row.ship_compensation_kind, row.ship_compensation_value),
        deliver_within_days=row.deliver_within_days,
        deliver_compensation=_compensation(row.deliver_compensation_kind, row.deliver_compensation_value),
        exchange_days=row.exchange_days,
        quality_inspection=row.quality_inspection,
    )


def _terms_json(terms: PromiseTerms | None) -> dict | None:
    if terms is None:
        return None
    ship, deliver = terms.ship_compensation, terms.deliver_compensation
    return {
        "ship_within_hours": terms.ship_within_hours,
        "ship_compensation": None if ship is None else [ship.kind.value, ship.value],
        "deliver_within_days": terms.deliver_within_days,
        "deliver_compensation": None if deliver is None else [deliver.kind.value, deliver.value],
        "exchange_days": terms.exchange_days,
        "quality_inspection": terms.quality_inspection,
    }


def _in_force_query(supplier_ids: Iterable[int]) -> sa.Select:
    # The newest row of each supplier (DISTINCT ON over the (supplier, effective_from DESC) index).
    return (
        sa.select(SupplierPromise)
        .where(col(SupplierPromise.supplier_id).in_(sorted(set(supplier_ids))))
        .order_by(
            col(SupplierPromise.supplier_id), col(SupplierPromise.effective_from).desc(), col(SupplierPromise.id).desc()
        )
        .ext(distinct_on(col(SupplierPromise.supplier_id)))
    )


def in_force_lateral(supplier_id: Any, name: str = "promise") -> LateralFromClause:
    """The promise in force now of the supplier a column of an outer query names, to join LATERAL into that query
    (one statement for a page, a poster): its deadlines, exchange window and quality inspection (badge_terms)."""
    return (
        sa.select(
            col(SupplierPromise.ship_within_hours),
            col(SupplierPromise.deliver_within_days),
            col(SupplierPromise.exchange_days),
            col(SupplierPromise.quality_inspection),
        )
        .where(col(SupplierPromise.supplier_id) == supplier_id)
        .order_by(col(SupplierPromise.effective_from).desc(), col(SupplierPromise.id).desc())
        .limit(1)
        .lateral(name)
    )


def badge_terms(row: object) -> PromiseTerms | None:
    """The terms (enough for badges) of a row joined with in_force_lateral's columns; None when there was none."""
    quality = getattr(row, "quality_inspection", None)
    if quality is None:
        return None
    return PromiseTerms(
        ship_within_hours=getattr(row, "ship_within_hours", None),
        deliver_within_days=getattr(row, "deliver_within_days", None),
        exchange_days=getattr(row, "exchange_days", None),
        quality_inspection=bool(quality),
    )


def promises_in_force(session: Session, supplier_ids: Iterable[int]) -> dict[int, PromiseTerms]:
    """Each supplier's promises in force now, in one query; a supplier that never promised is left out."""
    rows = session.execute(_in_force_query(supplier_ids)).scalars()
    return {row.supplier_id: terms for row in rows if (terms := terms_of(row)) is not None and not terms.empty}


def badges_by_supplier(session: Session, supplier_ids: Iterable[int]) -> dict[int, list[Badge]]:
    """Each supplier's badges (rules.badges of its promises in force), for every page that shows them."""
    ids = [supplier_id for supplier_id in supplier_ids if supplier_id is not None]
    if not ids:
        return {}
    return {supplier_id: badges(terms) for supplier_id, terms in promises_in_force(session, ids).items()}


def own_promises(session: Session, user_id: int) -> PromiseTerms | None:
    """The caller's supplier's promises in force now (None: never promised); Forbidden for one that may not read."""
    supplier = require_reading_supplier(session, user_id)
    assert supplier.id is not None  # a stored supplier
    return promises_in_force(session, [supplier.id]).get(supplier.id)


def set_promises(*, session: Session, user_id: int, terms: PromiseTerms, bounds: PromiseBounds) -> SupplierPromise:
    """Record the caller's supplier's promises, effective now for orders paid from now on; commit.

    ValidationFailed names every bound the terms break; an unapproved or stopped supplier is Forbidden. The
    supplier row is locked so that two changes at once line up, each audited with the promises it replaced.
    """
    supplier = require_approved_supplier(session, user_id)
    assert supplier.id is not None  # a stored supplier
    failures = terms_failures(terms, bounds)
    if failures:
        raise ValidationFailed("The promises are out of the platform's bounds.", failures)
    session.execute(sa.text("SELECT 1 FROM suppliers WHERE id = :id FOR UPDATE"), {"id": supplier.id})
    before = promises_in_force(session, [supplier.id]).get(supplier.id)
    ship, deliver = terms.ship_compensation, terms.deliver_compensation
    row = SupplierPromise(
        supplier_id=supplier.id,
        ship_within_hours=terms.ship_within_hours,
        ship_compensation_kind=None if ship is None else ship.kind.value,
        ship_compensation_value=None if ship is None else ship.value,
        deliver_within_days=terms.deliver_within_days,
        deliver_compensation_kind=None if deliver is None else deliver.kind.value,
        deliver_compensation_value=None if deliver is None else deliver.value,
        exchange_days=terms.exchange_days,
        quality_inspection=terms.quality_inspection,
        set_by=user_id,
    )
    session.add(row)
    audit.record(
        session,
        actor_id=user_id,
        action="supplier.promises",
        subject_type="supplier",
        subject_id=supplier.id,
        before=_terms_json(before),
        after=_terms_json(terms),
    )
    session.commit()
    return row


def ship_deadlines(
    session: Session, supplier_id: int, paid_ats: Iterable[dt.datetime]
) -> dict[dt.datetime, dt.datetime]:
    """When orders paid at each of paid_ats must ship by the supplier's promise in force then (rules.deadline); an
    order paid under no shipping promise is not in the answer. For a page of orders: the supplier's few changes are
    read once."""
    changes = (
        session.execute(
            sa.select(SupplierPromise)
            .where(col(SupplierPromise.supplier_id) == supplier_id)
            .order_by(col(SupplierPromise.effective_from), col(SupplierPromise.id))
        )
        .scalars()
        .all()
    )
    due = {}
    for paid_at in paid_ats:
        in_force = [row for row in changes if row.effective_from <= paid_at]
        terms = terms_of(in_force[-1]) if in_force else None
        by = deadline(paid_at, BreachKind.SHIP, terms) if terms is not None else None
        if by is not None:
            due[paid_at] = by
    return due


def promise_history_query(session: Session, user_id: int) -> sa.Select:
    """The caller's supplier's promise changes, newest first (for keyset paging by id)."""
    supplier = require_reading_supplier(session, user_id)
    return sa.select(SupplierPromise).where(col(SupplierPromise.supplier_id) == supplier.id)


def breaches_query(session: Session, user_id: int) -> sa.Select:
    """The caller's supplier's breaches, with each order's reference (for keyset paging by breach id)."""
    supplier = require_reading_supplier(session, user_id)
    return (
        sa.select(
            col(PromiseBreach.id),
            col(PromiseBreach.kind),
            col(PromiseBreach.paid_at),
            col(PromiseBreach.due_at),
            col(PromiseBreach.done_at),
            col(PromiseBreach.paid_fen),
            col(PromiseBreach.compensation_fen),
            col(PromiseBreach.paid_out_at),
            col(Order.external_id).label("order_ref"),
        )
        .join(Order, col(Order.id) == PromiseBreach.order_id)
        .where(col(PromiseBreach.supplier_id) == supplier.id)
    )


def order_compensations(session: Session, order_ref: str) -> list[sa.RowMapping]:
    """The breaches of one order (by its reference) with compensation: kind, amount and when it was paid out."""
    return list(
        session.execute(
            sa.select(col(PromiseBreach.kind), col(PromiseBreach.compensation_fen), col(PromiseBreach.paid_out_at))
            .join(Order, col(Order.id) == PromiseBreach.order_id)
            .where(col(Order.external_id) == order_ref, col(PromiseBreach.compensation_fen) > 0)
            .order_by(col(PromiseBreach.id))
        ).mappings()
    )
