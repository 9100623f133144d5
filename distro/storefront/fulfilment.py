"""Fulfilment of distro's own orders: shipping, delivery, receipt, cancellation and after-sales.

Every step locks the checkout, checks the step against distro.storefront.lifecycle, writes the step and
its order event in one transaction (distro.storefront.events), and commits once. A supplier reaches
only orders of its own products; a buyer only the order their link opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.clock import utcnow
from distro.commission.policy import CommissionPolicy, payable_at
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.storefront import events, lifecycle, stock
from distro.storefront.models import AfterSalesRequest, Checkout
from distro.storefront.services import buyer_checkout
from distro.suppliers.models import Product
from distro.validation import FieldError


def shipments_query(supplier_id: int, status: str = lifecycle.PAID) -> sa.Select:
    """A supplier's orders in one status with their product titles, oldest paid first (what to ship next)."""
    return (
        sa.select(Checkout, col(Product.title))
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(Product.supplier_id) == supplier_id, col(Checkout.status) == status)
        .order_by(col(Checkout.paid_at), col(Checkout.id))
    )


def _supplier_checkouts(session: Session, supplier_id: int, order_refs: Sequence[str]) -> dict[str, Checkout]:
    """The supplier's checkouts among order_refs, locked in id order; other suppliers' orders are not there."""
    rows = session.execute(
        sa.select(Checkout)
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(Checkout.order_ref).in_(sorted(set(order_refs))), col(Product.supplier_id) == supplier_id)
        .order_by(col(Checkout.id))
        .with_for_update(of=Checkout)
    ).scalars()
    return {checkout.order_ref: checkout for checkout in rows}


def _supplier_checkout(session: Session, supplier_id: int, order_ref: str) -> Checkout:
    checkout = _supplier_checkouts(session, supplier_id, [order_ref]).get(order_ref)
    if checkout is None:
        raise NotFound(f"No order {order_ref} of this supplier's products.")
    return checkout


def ship(*, session: Session, supplier_id: int, shipments: Sequence[Mapping[str, str]]) -> list[Checkout]:
    """Mark the supplier's paid orders shipped with carrier and tracking number, all or none; commit.

    Shipping an order again with the same carrier and number changes nothing (a retried upload); any
    row that cannot ship refuses the whole request, each such row named.
    """
    now = utcnow()
    found = _supplier_checkouts(session, supplier_id, [row["order_ref"] for row in shipments])
    errors: list[FieldError] = []
    parcels: dict[str, tuple[str, str]] = {}  # order -> (carrier, tracking number), as the rows ask
    for index, row in enumerate(shipments):
        ref, parcel = row["order_ref"], (row["carrier"], row["tracking_number"])
        checkout, field = found.get(ref), f"shipments.{index}.order_ref"
        if checkout is None:
            errors.append(FieldError(field, f"没有这个订单：{ref}", "unknown"))
        elif parcels.setdefault(ref, parcel) != parcel:
            errors.append(FieldError(field, "同一订单填写了两个不同的运单", "contradicts"))
        elif (checkout.carrier, checkout.tracking_number) != parcel and (
            why := lifecycle.refusal("ship", checkout.status)
        ):
            errors.append(FieldError(field, why, "status"))
    if errors:
        session.rollback()
        raise ValidationFailed("Some orders cannot be shipped; nothing was recorded.", errors)
    to_ship = [found[ref] for ref in parcels if found[ref].status == lifecycle.PAID]
    for checkout in to_ship:
        checkout.status, checkout.shipped_at = lifecycle.SHIPPED, now
        checkout.carrier, checkout.tracking_number = parcels[checkout.order_ref]
    events.record(session, [events.shipped(checkout.order_ref, now) for checkout in to_ship])
    session.commit()
    return [found[ref] for ref in parcels]


def _deliver(session: Session, checkout: Checkout, by: str, at: dt.datetime) -> Checkout:
    action = "deliver" if by == "carrier" else "confirm_receipt"
    if checkout.status == lifecycle.DELIVERED:
        session.commit()  # already delivered, by whichever came first: nothing to do
        return checkout
    why = lifecycle.refusal(action, checkout.status)
    if why:
        raise Conflict(why)
    checkout.status, checkout.delivered_at, checkout.delivered_by = lifecycle.DELIVERED, at, by
    events.record(session, [events.delivered(checkout.order_ref, at)])
    session.commit()
    return checkout


def mark_delivered(
    *, session: Session, supplier_id: int, order_ref: str, delivered_at: dt.datetime | None = None
) -> Checkout:
    """Record that the carrier delivered a shipped order (its signed-for time, or now); commit."""
    checkout = _supplier_checkout(session, supplier_id, order_ref)
    at = min(delivered_at or utcnow(), utcnow())
    if checkout.shipped_at is not None and at < checkout.shipped_at:
        raise ValidationFailed(
            "送达时间不能早于发货时间", [FieldError("delivered_at", "送达时间不能早于发货时间", "range")]
        )
    return _deliver(session, checkout, "carrier", at)


def confirm_receipt(*, session: Session, access_token: str) -> Checkout:
    """The buyer confirms receipt (确认收货) of a shipped order; commit."""
    return _deliver(session, buyer_checkout(session, access_token, lock=True), "buyer", utcnow())


# Receipt is confirmed for orders shipped `days` ago whose buyer did not, unless an after-sales request is
# open. The delivery time is the deadline itself, so a rerun writes the same event (which order_events' trigger
# drops: stored once per id).
_AUTO_CONFIRM = sa.text(
    """
    WITH due AS (
        SELECT c.id FROM checkouts c
        WHERE c.status = 'shipped' AND c.shipped_at <= :now - make_interval(days => :days)
          AND NOT EXISTS (SELECT 1 FROM after_sales_requests a WHERE a.checkout_id = c.id AND a.status = 'requested')
        ORDER BY c.id LIMIT :limit FOR UPDATE SKIP LOCKED
    ), confirmed AS (
        UPDATE checkouts c
        SET status = 'delivered', delivered_at = c.shipped_at + make_interval(days => :days), delivered_by = 'auto'
        FROM due WHERE c.id = due.id
        RETURNING c.order_ref, c.delivered_at
    ), stored AS (
        INSERT INTO order_events (id, type, order_ref, data, status, received_at)
        SELECT :id_prefix || order_ref || :id_suffix, 'order.delivered', order_ref,
               jsonb_build_object('order_id', order_ref, 'delivered_at', delivered_at), 'received', :now
        FROM confirmed
    )
    SELECT count(*) FROM confirmed
    """
)


def auto_confirm_receipts(*, session: Session, days: int, now: dt.datetime | None = None, limit: int = 10_000) -> int:
    """Confirm receipt of every order shipped `days` ago that its buyer has not confirmed (set-based); commit."""
    prefix, suffix = events.event_id_around("delivered")
    params = {"now": now or utcnow(), "days": days, "limit": limit, "id_prefix": prefix, "id_suffix": suffix}
    confirmed = session.execute(_AUTO_CONFIRM, params).scalar_one()
    session.commit()
    return int(confirmed)


def _cancel(session: Session, checkout: Checkout, by: str, reason: str | None) -> Checkout:
    if checkout.status == lifecycle.CANCELLED:
        session.commit()
        return checkout
    why = lifecycle.refusal("cancel", checkout.status)
    if why:
        raise Conflict(why)
    now = utcnow()
    was_paid = checkout.paid_at is not None
    checkout.status, checkout.cancelled_at, checkout.cancelled_by, checkout.cancel_reason = (
        lifecycle.CANCELLED,
        now,
        by,
        reason,
    )
    _give_back_stock(session, checkout)
    if was_paid:  # the engine knows only paid orders; one never paid has no commission to reverse
        events.record(session, [events.cancelled(checkout.order_ref, now, reason)])
    session.commit()
    return checkout


def cancel_by_buyer(*, session: Session, access_token: str, reason: str | None) -> Checkout:
    """The buyer cancels an order that has not shipped; its commission is reversed and its stock returned; commit."""
    return _cancel(session, buyer_checkout(session, access_token, lock=True), "buyer", reason)


def cancel_by_supplier(*, session: Session, supplier_id: int, order_ref: str, reason: str) -> Checkout:
    """The supplier cancels one of its orders that has not shipped (out of stock, say), with a reason; commit."""
    return _cancel(session, _supplier_checkout(session, supplier_id, order_ref), "supplier", reason)


def _give_back_stock(session: Session, checkout: Checkout) -> None:
    if checkout.stock_reserved:
        stock.give_back(session, checkout.product_id, checkout.sku, checkout.quantity)
        checkout.stock_reserved = False


def _open_request(session: Session, checkout_id: int) -> AfterSalesRequest | None:
    return session.execute(
        sa.select(AfterSalesRequest).where(
            col(AfterSalesRequest.checkout_id) == checkout_id, col(AfterSalesRequest.status) == "requested"
        )
    ).scalar_one_or_none()


def return_window_days(session: Session, checkout: Checkout, policy: CommissionPolicy) -> int:
    """The order's return window in days: its product category's, the same period commission is held for."""
    category = session.execute(sa.select(col(Product.category)).where(col(Product.id) == checkout.product_id))
    return policy.hold_days_for(category.scalar_one())


def request_after_sales(
    *, session: Session, access_token: str, kind: str, reason: str, policy: CommissionPolicy
) -> AfterSalesRequest:
    """The buyer asks for a refund or a return of what is left to refund, inside the return window; commit."""
    checkout = buyer_checkout(session, access_token, lock=True)
    assert checkout.id is not None
    why = lifecycle.after_sales_refusal(
        checkout.status,
        checkout.delivered_at,
        return_window_days(session, checkout, policy),
        utcnow(),
        _open_request(session, checkout.id) is not None,
    )
    if why:
        raise ValidationFailed(why, [FieldError("kind", why, "not_allowed")])
    request = AfterSalesRequest(
        checkout_id=checkout.id, kind=kind, reason=reason, requested_fen=checkout.total_fen - checkout.refunded_fen
    )
    session.add(request)
    session.commit()
    return request


def after_sales_query(supplier_id: int, status: str | None = None) -> sa.Select:
    """The after-sales requests on a supplier's orders, open ones first, oldest first."""
    query = (
        sa.select(AfterSalesRequest, Checkout)
        .join(Checkout, col(Checkout.id) == AfterSalesRequest.checkout_id)
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(Product.supplier_id) == supplier_id)
        .order_by(col(AfterSalesRequest.status) != "requested", col(AfterSalesRequest.id))
    )
    return query.where(col(AfterSalesRequest.status) == status) if status else query


def decide_after_sales(
    *,
    session: Session,
    supplier_id: int,
    supplier_user_id: int,
    request_id: int,
    approve: bool,
    amount_fen: int | None,
    reason: str | None,
) -> tuple[AfterSalesRequest, Checkout]:
    """The supplier approves a request (a refund of the amount asked, or less) or refuses it with a reason; commit.

    An approved refund is an order.refunded event, so commission is reversed, or clawed back once settled,
    by the same rules as any refund; a refund of the whole order also returns its stock.
    """
    found = session.execute(
        sa.select(AfterSalesRequest, Checkout)
        .join(Checkout, col(Checkout.id) == AfterSalesRequest.checkout_id)
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(AfterSalesRequest.id) == request_id, col(Product.supplier_id) == supplier_id)
        .with_for_update(of=[Checkout, AfterSalesRequest])
    ).first()
    if found is None:
        raise NotFound(f"No after-sales request {request_id} on this supplier's orders.")
    request, checkout = found
    if request.status != "requested":
        raise Conflict(f"This request was already {request.status}.")
    now = utcnow()
    request.decided_at, request.decided_by = now, supplier_user_id
    if not approve:
        if not reason:
            raise ValidationFailed("A refusal needs a reason.", [FieldError("reason", "请填写拒绝理由", "required")])
        request.status, request.refusal_reason = "refused", reason
        session.commit()
        return request, checkout
    amount = request.requested_fen if amount_fen is None else amount_fen
    why = lifecycle.refund_refusal(amount, checkout.total_fen, checkout.refunded_fen)
    if why:
        raise ValidationFailed(why, [FieldError("amount_fen", why, "range")])
    request.status, request.approved_fen = "approved", amount
    checkout.refunded_fen += amount
    checkout.status = lifecycle.status_after_refund(checkout.total_fen, checkout.refunded_fen, checkout.status)
    if checkout.status == lifecycle.REFUNDED:
        _give_back_stock(session, checkout)
    events.record(session, [events.refunded(checkout.order_ref, f"AS{request.id}", now, amount)])
    session.commit()
    return request, checkout


def buyer_view(session: Session, checkout: Checkout, policy: CommissionPolicy) -> dict[str, Any]:
    """What the buyer's order page shows beyond the checkout: the product, the steps open to them, after-sales."""
    assert checkout.id is not None
    product = session.get_one(Product, checkout.product_id)
    requests = session.execute(
        sa.select(AfterSalesRequest)
        .where(col(AfterSalesRequest.checkout_id) == checkout.id)
        .order_by(col(AfterSalesRequest.id).desc())
    ).scalars()
    history = list(requests)
    window = return_window_days(session, checkout, policy)
    open_request = any(request.status == "requested" for request in history)
    return {
        "product": product,
        "status_label": lifecycle.STATUS_LABELS[checkout.status],
        "can_confirm_receipt": lifecycle.allowed("confirm_receipt", checkout.status),
        "can_cancel": lifecycle.allowed("cancel", checkout.status),
        "after_sales_refusal": lifecycle.after_sales_refusal(
            checkout.status, checkout.delivered_at, window, utcnow(), open_request
        ),
        "return_window_closes": payable_at(checkout.delivered_at, window),
        "after_sales": history,
    }
