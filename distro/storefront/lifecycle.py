"""The life of an order taken on distro's own pages (pure): which step may follow which, and when.

    awaiting_payment ──pay──▶ paid ──ship──▶ shipped ──deliver / confirm receipt / auto──▶ delivered
          │                    │
          └──────cancel────────┘──▶ cancelled            (before it ships: by the buyer or the supplier)

    shipped / delivered ──after-sales refund approved in full──▶ refunded

Each step of a paid order is also an order event (distro.commission.orders), so commission follows
the same fold as for outside orders: cancelling reverses it, delivery starts its hold period, a
refund reverses it or claws it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from distro.commission.policy import payable_at

AWAITING_PAYMENT, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED = (
    "awaiting_payment",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)
STATUSES = (AWAITING_PAYMENT, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED)

# action -> the statuses it may be taken from
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "pay": frozenset({AWAITING_PAYMENT}),
    "ship": frozenset({PAID}),
    "deliver": frozenset({SHIPPED}),
    "confirm_receipt": frozenset({SHIPPED}),
    "cancel": frozenset({AWAITING_PAYMENT, PAID}),
    "request_after_sales": frozenset({SHIPPED, DELIVERED}),
}
# What a buyer is told when a step is not possible, by the order's status.
WHY_NOT: Mapping[str, str] = {
    AWAITING_PAYMENT: "订单尚未支付",
    PAID: "订单尚未发货",
    SHIPPED: "订单已发货",
    DELIVERED: "订单已收货",
    CANCELLED: "订单已取消",
    REFUNDED: "订单已退款",
}
STATUS_LABELS: Mapping[str, str] = {
    AWAITING_PAYMENT: "待支付",
    PAID: "已付款，待发货",
    SHIPPED: "已发货",
    DELIVERED: "已收货",
    CANCELLED: "已取消",
    REFUNDED: "已退款",
}


def allowed(action: str, status: str) -> bool:
    """True when an order in `status` may take `action`."""
    return status in TRANSITIONS[action]


def refusal(action: str, status: str) -> str | None:
    """Why an order in `status` may not take `action` (in Chinese, for the buyer or supplier), or None."""
    return None if allowed(action, status) else WHY_NOT[status]


def after_sales_refusal(
    status: str, delivered_at: dt.datetime | None, window_days: int, now: dt.datetime, open_request: bool
) -> str | None:
    """Why the buyer may not ask for a refund or return now (Chinese), or None when they may.

    Asked between shipment and delivery, or inside the return window after delivery (7 days, 15 for
    some categories), and one request at a time.
    """
    why = refusal("request_after_sales", status)
    if why:
        return why
    if open_request:
        return "已有售后申请在处理中"
    closes = payable_at(delivered_at, window_days)  # the window closes as the commission's hold ends
    if closes is not None and now > closes:
        return f"已超过{window_days}天售后期"
    return None


def refund_refusal(amount_fen: int, paid_fen: int, refunded_fen: int) -> str | None:
    """Why a refund of `amount_fen` cannot be granted on an order (Chinese), or None."""
    if amount_fen < 1:
        return "退款金额须大于0"
    if amount_fen > paid_fen - refunded_fen:
        return f"退款金额不能超过可退金额 {paid_fen - refunded_fen} 分"
    return None


def auto_confirm_at(shipped_at: dt.datetime, days: int) -> dt.datetime:
    """When receipt is confirmed for a buyer who did not: `days` after shipment (淘宝's 10 by default)."""
    return shipped_at + dt.timedelta(days=days)


def status_after_refund(paid_fen: int, refunded_fen: int, status: str) -> str:
    """An order refunded in full is refunded; a partial refund leaves its status as it was."""
    return REFUNDED if refunded_fen >= paid_fen else status
