"""A storefront order's steps, return window and refunds (distro/storefront/lifecycle.py)."""

import datetime as dt

import pytest

from distro.storefront import lifecycle

DELIVERED_AT = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("action", "allowed_from"),
    [
        ("pay", {"awaiting_payment"}),
        ("ship", {"paid"}),
        ("confirm_receipt", {"shipped"}),
        ("cancel", {"awaiting_payment", "paid"}),
        ("request_after_sales", {"shipped", "delivered"}),
    ],
)
def test_each_step_is_allowed_only_from_its_statuses(action, allowed_from):
    assert {status for status in lifecycle.STATUSES if lifecycle.allowed(action, status)} == allowed_from


def test_a_refused_step_says_why_in_chinese():
    assert lifecycle.refusal("cancel", "shipped") == "订单已发货"
    assert lifecycle.refusal("ship", "cancelled") == "订单已取消"
    assert lifecycle.refusal("ship", "paid") is None


def test_after_sales_may_be_asked_between_shipment_and_the_end_of_the_return_window():
    now = DELIVERED_AT + dt.timedelta(days=7)
    assert lifecycle.after_sales_refusal("shipped", None, 7, now, open_request=False) is None
    assert lifecycle.after_sales_refusal("delivered", DELIVERED_AT, 7, now, open_request=False) is None
    late = now + dt.timedelta(seconds=1)
    assert lifecycle.after_sales_refusal("delivered", DELIVERED_AT, 7, late, open_request=False) == "已超过7天售后期"
    assert lifecycle.after_sales_refusal("delivered", DELIVERED_AT, 15, late, open_request=False) is None


def test_one_after_sales_request_is_open_at_a_time():
    assert lifecycle.after_sales_refusal("shipped", None, 7, DELIVERED_AT, open_request=True) == "已有售后申请在处理中"


def test_after_sales_before_shipment_is_a_cancellation_instead():
    assert lifecycle.after_sales_refusal("paid", None, 7, DELIVERED_AT, open_request=False) == "订单尚未发货"


def test_a_refund_is_more_than_nothing_and_no_more_than_what_is_left():
    assert lifecycle.refund_refusal(0, 11_800, 0) == "退款金额须大于0"
    assert lifecycle.refund_refusal(5_901, 11_800, 5_900) == "退款金额不能超过可退金额 5900 分"
    assert lifecycle.refund_refusal(5_900, 11_800, 5_900) is None


def test_only_a_refund_in_full_makes_the_order_refunded():
    assert lifecycle.status_after_refund(11_800, 5_900, "delivered") == "delivered"
    assert lifecycle.status_after_refund(11_800, 11_800, "delivered") == "refunded"


def test_receipt_is_confirmed_for_the_buyer_ten_days_after_shipment():
    shipped = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    assert lifecycle.auto_confirm_at(shipped, 10) == dt.datetime(2026, 12, 11, 9, tzinfo=dt.UTC)
