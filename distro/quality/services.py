"""Supplier quality's use cases: running the month's review, an admin overruling a review, and what the consoles read
(a supplier's measures and reviews, a month's reviews for admins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth.models import User
from distro.clock import utcnow
from distro.db import wait_for_advisory_xact_lock
from distro.errors import Forbidden, NotFound, ValidationFailed
from distro.quality import review as reviewing
from distro.quality.models import SupplierMetric, SupplierReview
from distro.quality.notify import tell_supplier
from distro.quality.rules import STRIKES, Metrics, Outcome, Thresholds, month_shift, strike_window
from distro.suppliers import services as suppliers
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction, SupplierStatus
from distro.validation import FieldError

REVIEW_LOCK = "quality:supplier_review"


def review_month(
    *, session: Session, period: dt.date, settings: Mapping, now: dt.datetime | None = None
) -> dict[str, int]:
    """Review every approved supplier on the month's orders (those already reviewed for it are left as they were)
    and carry out the strikes; commit. Returns how many reviews were written and how many strikes carried out."""
    wait_for_advisory_xact_lock(session, REVIEW_LOCK)  # two runs of a month at once: the second finds it done
    written = reviewing.judge_month(
        session=session,
        period=period,
        thresholds=Thresholds.from_settings(settings),
        ship_within_hours=int(settings["SUPPLIER_SHIP_WITHIN_HOURS"]),
        now=now or utcnow(),
    )
    session.commit()
    carried = reviewing.carry_out(session=session, period=period, settings=settings)
    return {"reviewed": written, "carried_out": carried}


def overrule(*, session: Session, review_id: int, admin_id: int, reason: str, settings: Mapping) -> SupplierReview:
    """An admin takes back a review's strike, with a reason; commit. The strike counts no more, and a suspension the
    review made is lifted (the supplier reinstated, its products back in the pool). Overruling again changes
    nothing (the first reason stands); a review that is no strike cannot be overruled."""
    if not reason.strip():
        raise ValidationFailed("A reason is required.", [FieldError("reason", "required to overrule", "required")])
    review = session.execute(
        sa.select(SupplierReview).where(col(SupplierReview.id) == review_id).with_for_update()
    ).scalar_one_or_none()
    if review is None:
        raise NotFound(f"No supplier review {review_id}.")
    supplier = session.get(Supplier, review.supplier_id)
    assert supplier is not None and review.id is not None
    if supplier.user_id == admin_id:
        raise Forbidden("An admin cannot overrule a review of their own supplier account.")
    if Outcome(review.outcome) not in STRIKES:
        raise ValidationFailed(
            "Only a warning or a suspension can be overruled.", [FieldError("review", "not a strike", "not_strike")]
        )
    if review.overruled_at is not None:
        session.commit()
        return review
    review.overruled_at, review.overruled_by, review.overrule_reason = utcnow(), admin_id, reason.strip()
    audit.record(
        session,
        actor_id=admin_id,
        action="supplier_review.overruled",
        subject_type="supplier",
        subject_id=review.supplier_id,
        before={"review_id": review.id, "outcome": review.outcome, "strike": review.strike},
        after={"review_id": review.id, "reason": review.overrule_reason},
    )
    user = session.get(User, supplier.user_id)
    if user is not None:
        tell_supplier(
            settings,
            review_id=review.id,
            user_id=supplier.user_id,
            phone_masked=user.phone_masked,
            what="overruled",
            period=f"{review.period:%Y-%m}",
            failed=list(review.failed),
            strike=review.strike,
            reason=review.overrule_reason,
        )
    made_suspension = supplier.status_reason == reviewing.suspension_reason(review)
    if (
        review.outcome == Outcome.SUSPENDED.value
        and supplier.status == SupplierStatus.SUSPENDED.value
        and made_suspension
    ):
        suppliers.decide(  # commits the overrule with the reinstatement
            session=session,
            supplier_id=supplier.id,  # type: ignore[arg-type]
            action=SupplierAction.REINSTATE,
            reason=f"考核结果已撤销：{review.overrule_reason}",
            admin_id=admin_id,
        )
    else:
        session.commit()
    return review


def get_review(session: Session, review_id: int, *, supplier_id: int | None = None) -> SupplierReview:
    """A review (of supplier_id's, when given: another's is NotFound, as if it did not exist)."""
    review = session.get(SupplierReview, review_id)
    if review is None or (supplier_id is not None and review.supplier_id != supplier_id):
        raise NotFound(f"No supplier review {review_id}.")
    return review


def month_reviews_query(period: dt.date, outcome: str | None) -> sa.Select:
    """A month's reviews with their suppliers' names and standing, all or of one outcome (for keyset paging by id)."""
    query = (
        sa.select(
            col(SupplierReview.id),
            col(SupplierReview.supplier_id),
            col(SupplierReview.period),
            col(SupplierReview.outcome),
            col(SupplierReview.strike),
            col(SupplierReview.orders),
            col(SupplierReview.on_time_bp),
            col(SupplierReview.refund_bp),
            col(SupplierReview.cancel_bp),
            col(SupplierReview.failed),
            col(SupplierReview.overruled_at),
            col(SupplierReview.overrule_reason),
            col(Supplier.company_name),
            col(Supplier.status).label("supplier_status"),
        )
        .join(Supplier, col(Supplier.id) == col(SupplierReview.supplier_id))
        .where(col(SupplierReview.period) == period.replace(day=1))
    )
    return query.where(col(SupplierReview.outcome) == outcome) if outcome else query


def newest_period(session: Session) -> dt.date | None:
    """The newest month reviewed (None before the first review)."""
    return session.scalar(sa.select(sa.func.max(col(SupplierReview.period))))


def reviews_query(supplier_id: int) -> sa.Select:
    """A supplier's reviews, newest month first (one a month: the order is total)."""
    return (
        sa.select(SupplierReview)
        .where(col(SupplierReview.supplier_id) == supplier_id)
        .order_by(col(SupplierReview.period).desc())
    )


def supplier_reviews(session: Session, supplier_id: int, *, limit: int = 60) -> list[SupplierReview]:
    """A supplier's reviews, newest month first (five years of them at most)."""
    return list(session.execute(reviews_query(supplier_id).limit(limit)).scalars())


def standing_strikes(session: Session, supplier_id: int, period: dt.date, thresholds: Thresholds) -> int:
    """The supplier's strikes that count at period's review (within the window, including period, not overruled)."""
    start, _ = strike_window(period, thresholds)
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SupplierReview)
            .where(
                col(SupplierReview.supplier_id) == supplier_id,
                col(SupplierReview.period) >= start,
                col(SupplierReview.period) < month_shift(period.replace(day=1), 1),
                col(SupplierReview.strike) > 0,
                col(SupplierReview.overruled_at).is_(None),
            )
        )
        or 0
    )


def supplier_metrics(session: Session, supplier_id: int) -> dict[int, tuple[SupplierMetric, Metrics]]:
    """The supplier's measures by window (30, 90 days), each with its rates (none: no order in the window)."""
    rows = session.execute(sa.select(SupplierMetric).where(col(SupplierMetric.supplier_id) == supplier_id)).scalars()
    return {
        row.window_days: (
            row,
            Metrics(
                orders=row.orders,
                due=row.due,
                on_time=row.on_time,
                cancelled=row.cancelled,
                refunded=row.refunded,
                refunded_return=row.refunded_return,
                refunded_refund_only=row.refunded_refund_only,
                ship_avg_seconds=row.ship_avg_seconds,
                ship_p90_seconds=row.ship_p90_seconds,
                delivery_avg_seconds=row.delivery_avg_seconds,
                delivery_p90_seconds=row.delivery_p90_seconds,
            ),
        )
        for row in rows
    }


def open_notice(session: Session, supplier_id: int) -> SupplierReview | None:
    """The supplier's newest review if it is a strike not overruled: what its console's banner tells it."""
    newest = session.execute(
        sa.select(SupplierReview)
        .where(col(SupplierReview.supplier_id) == supplier_id)
        .order_by(col(SupplierReview.period).desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest is None or newest.strike == 0 or newest.overruled_at is not None:
        return None
    return newest
