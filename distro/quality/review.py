"""The monthly review (考核), set-based: one INSERT judges every approved supplier on the month's orders by the rule
of distro/quality/rules.py:review (the same rule in SQL, held to it by a property test), one row per supplier and
month; then each strike is carried out (audited, the supplier told, and at the third strike suspended through
distro.suppliers.services.decide, so its products leave the pool as any suspension takes them). Running a month
again writes nothing new and finishes only what a run that died left undone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.auth.models import User
from distro.clock import utcnow
from distro.errors import Conflict
from distro.quality.metrics import WORK_MEM, measure_params, measures_sql
from distro.quality.models import SupplierReview
from distro.quality.notify import tell_supplier
from distro.quality.rules import Outcome, Thresholds, strike_window
from distro.suppliers import services as suppliers
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction
from distro.tiers.rules import month_bounds

# Every approved supplier's verdict: the month's measures (none: 0 orders), its strikes within the window before the
# month (not overruled), and the rule: too few orders; else the measures that fall short (a rate with nothing to
# measure never does); none, passed; else a strike, suspension when it reaches :strikes_to_suspend.
_REVIEW = sa.text(
    f"""
    WITH measured AS ({measures_sql(1, times=False)}),
    rated AS (
        SELECT s.id AS supplier_id,
               coalesce(m.orders, 0) AS orders, coalesce(m.due, 0) AS due, coalesce(m.on_time, 0) AS on_time,
               coalesce(m.cancelled, 0) AS cancelled, coalesce(m.refunded, 0) AS refunded,
               CASE WHEN m.due > 0 THEN m.on_time * 10000 / m.due END AS on_time_bp,
               CASE WHEN m.orders > 0 THEN m.refunded * 10000 / m.orders END AS refund_bp,
               CASE WHEN m.orders > 0 THEN m.cancelled * 10000 / m.orders END AS cancel_bp,
               coalesce(p.strikes, 0) AS prior_strikes
        FROM suppliers s
        LEFT JOIN measured m ON m.supplier_id = s.id
        LEFT JOIN (
            SELECT supplier_id, count(*) AS strikes FROM supplier_reviews
            WHERE period >= :strikes_from AND period < :period AND strike > 0 AND overruled_at IS NULL
            GROUP BY supplier_id
        ) p ON p.supplier_id = s.id
        WHERE s.status = 'approved'
    ),
    judged AS (
        SELECT r.*, r.orders >= :min_orders AS judged,
               array_remove(ARRAY[
                   CASE WHEN r.on_time_bp < :min_on_time_bp THEN 'on_time' END,
                   CASE WHEN r.refund_bp > :max_refund_bp THEN 'refund' END,
                   CASE WHEN r.cancel_bp > :max_cancel_bp THEN 'cancel' END
               ], NULL)::varchar[] AS short
        FROM rated r
    )
    INSERT INTO supplier_reviews (supplier_id, period, as_of, orders, due, on_time, cancelled, refunded, on_time_bp,
                                  refund_bp, cancel_bp, thresholds, prior_strikes, strike, outcome, failed,
                                  applied_at, created_at)
    SELECT supplier_id, :period, :as_of, orders, due, on_time, cancelled, refunded, on_time_bp, refund_bp, cancel_bp,
           CAST(:thresholds AS jsonb), prior_strikes,
           CASE WHEN judged AND cardinality(short) > 0 THEN prior_strikes + 1 ELSE 0 END,
           CASE WHEN NOT judged THEN 'too_few'
                WHEN cardinality(short) = 0 THEN 'passed'
                WHEN prior_strikes + 1 >= :strikes_to_suspend THEN 'suspended'
                ELSE 'warning' END,
           CASE WHEN judged THEN short ELSE '{{}}'::varchar[] END,
           CASE WHEN judged AND cardinality(short) > 0 THEN NULL ELSE :as_of END,
           :as_of
    FROM judged
    ON CONFLICT (supplier_id, period) DO NOTHING
    """  # noqa: S608  (measures_sql is distro/quality/metrics.py's own text, never input)
)


def judge_month(
    *, session: Session, period: dt.date, thresholds: Thresholds, ship_within_hours: int, now: dt.datetime
) -> int:
    """Write the month's review of every approved supplier not reviewed for it yet (in the caller's transaction);
    returns how many were written."""
    period = period.replace(day=1)
    since, until = month_bounds(period)
    strikes_from, _ = strike_window(period, thresholds)
    params = {
        **measure_params([(0, since, until)], as_of=now, ship_within_hours=ship_within_hours),
        **dataclasses.asdict(thresholds),
        "period": period,
        "strikes_from": strikes_from,
        "thresholds": _json(dataclasses.asdict(thresholds)),
    }
    session.execute(WORK_MEM)
    return session.execute(_REVIEW, params).rowcount  # type: ignore[attr-defined]  # an INSERT's CursorResult


def _json(values: Mapping) -> str:
    return json.dumps(dict(values), sort_keys=True)


def suspension_reason(review: SupplierReview) -> str:
    """What the supplier's suspension says: the month and the strike."""
    return f"月度考核三振出局：{review.period:%Y-%m} 第 {review.strike} 次未达标（考核 #{review.id}）"


CHUNK = 1000
"""Warnings carried out per transaction."""


def carry_out(*, session: Session, period: dt.date, settings: Mapping) -> int:
    """Carry out the month's strikes not carried out yet; the supplier is told by text and each is audited. A third
    strike is carried out on its own (committed with its suspension), warnings a chunk at a time. Returns how many
    were carried out."""
    period = period.replace(day=1)
    done = 0
    while (review := _next_unapplied_suspension(session, period)) is not None:
        _carry_out_one(session, review, settings)
        done += 1
    while warnings := _unapplied_warnings(session, period):
        now = utcnow()
        session.execute(sa.insert(audit.AuditEntry), [_audit_row(review) for review, _ in warnings])
        for review, user in warnings:
            _tell(settings, review, user)
        session.execute(
            sa.update(SupplierReview)
            .where(col(SupplierReview.id).in_([review.id for review, _ in warnings]))
            .values(applied_at=now)
        )
        session.commit()
        done += len(warnings)
    session.commit()
    return done


def _next_unapplied_suspension(session: Session, period: dt.date) -> SupplierReview | None:
    return session.execute(
        sa.select(SupplierReview)
        .where(
            col(SupplierReview.period) == period,
            col(SupplierReview.applied_at).is_(None),
            col(SupplierReview.outcome) == Outcome.SUSPENDED.value,
        )
        .order_by(col(SupplierReview.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()


def _unapplied_warnings(session: Session, period: dt.date) -> list[tuple[SupplierReview, User]]:
    rows = session.execute(
        sa.select(SupplierReview, User)
        .join(Supplier, col(Supplier.id) == col(SupplierReview.supplier_id))
        .join(User, col(User.id) == col(Supplier.user_id))
        .where(
            col(SupplierReview.period) == period,
            col(SupplierReview.applied_at).is_(None),
            col(SupplierReview.outcome) == Outcome.WARNING.value,
        )
        .order_by(col(SupplierReview.id))
        .limit(CHUNK)
        .with_for_update(of=SupplierReview, skip_locked=True)
    ).all()
    return [(review, user) for review, user in rows]


def _audit_row(review: SupplierReview) -> dict:
    """The audit entry of a strike carried out: what the review found and held it to (distro's own act)."""
    return {
        "actor_id": None,
        "action": f"supplier_review.{review.outcome}",
        "subject_type": "supplier",
        "subject_id": review.supplier_id,
        "before": None,
        "after": {
            "review_id": review.id,
            "period": review.period.isoformat(),
            "strike": review.strike,
            "failed": list(review.failed),
            "orders": review.orders,
            "on_time_bp": review.on_time_bp,
            "refund_bp": review.refund_bp,
            "cancel_bp": review.cancel_bp,
            "thresholds": review.thresholds,
        },
        "created_at": utcnow(),
    }


def _tell(settings: Mapping, review: SupplierReview, user: User | None) -> None:
    if user is None or review.id is None or user.id is None:
        return
    tell_supplier(
        settings,
        review_id=review.id,
        user_id=user.id,
        phone_masked=user.phone_masked,
        what=review.outcome,
        period=f"{review.period:%Y-%m}",
        failed=list(review.failed),
        strike=review.strike,
    )


def _carry_out_one(session: Session, review: SupplierReview, settings: Mapping) -> None:
    """A third strike: audited, told, and the supplier suspended (decide commits them together)."""
    supplier = session.get(Supplier, review.supplier_id)
    review.applied_at = utcnow()
    session.execute(sa.insert(audit.AuditEntry), [_audit_row(review)])
    _tell(settings, review, session.get(User, supplier.user_id) if supplier else None)
    try:
        suppliers.decide(
            session=session,
            supplier_id=review.supplier_id,
            action=SupplierAction.SUSPEND,
            reason=suspension_reason(review),
            admin_id=None,
        )
    except Conflict:  # removed since the review judged it: nothing to suspend
        session.commit()
