"""The chaos drill's accounting (bench/chaos/rules.py): what counts as lost, allowed, or doubled."""

from bench.chaos.rules import (
    BookedLine,
    PaidLine,
    SentClick,
    Window,
    click_rows,
    event_rows,
    order_rows,
    visitor_hours,
)

HOUR = 3600


def click(at: float, code: str = "AbCd1234", browser: str = "WeChat/1", cookie: str | None = None) -> SentClick:
    return SentClick(at, code, "127.0.0.1", browser, cookie, 302)


def test_a_visitor_clicking_a_link_again_within_the_hour_is_one_unique_click():
    assert visitor_hours([click(0), click(10), click(HOUR - 1)]) == 1


def test_a_visitor_counts_again_an_hour_after_their_last_unique_click():
    assert visitor_hours([click(0), click(HOUR - 1), click(HOUR), click(HOUR + 5)]) == 2


def test_each_link_counts_its_own_unique_visitors():
    assert visitor_hours([click(0, code="AbCd1234"), click(1, code="WxYz5678")]) == 2


def test_a_visitor_without_a_cookie_is_known_by_address_and_browser():
    assert visitor_hours([click(0, browser="WeChat/1"), click(1, browser="WeChat/1")]) == 1
    assert visitor_hours([click(0, browser="WeChat/1"), click(1, browser="WeChat/2")]) == 2


def test_a_visitor_with_a_cookie_is_known_by_it():
    assert visitor_hours([click(0, cookie="a"), click(1, cookie="a")]) == 1
    assert visitor_hours([click(0, cookie="a"), click(1, cookie="b")]) == 2


def test_clicks_sent_while_redis_was_away_may_go_uncounted():
    clicks = [click(0), click(50, browser="WeChat/2"), click(100, browser="WeChat/3")]
    total, unique = click_rows(clicks, counted=2, counted_unique=2, redis_outages=[Window(40, 60)])
    assert (total.lost, total.allowed_loss, total.ok) == (1, 1, True)
    assert (unique.sent, unique.lost, unique.allowed_loss, unique.ok) == (3, 1, 1, True)


def test_a_click_lost_outside_a_redis_outage_fails_the_drill():
    clicks = [click(0), click(50, browser="WeChat/2"), click(100, browser="WeChat/3")]
    total, unique = click_rows(clicks, counted=1, counted_unique=1, redis_outages=[Window(40, 60)])
    assert (total.lost, total.allowed_loss, total.ok) == (2, 1, False)
    assert not unique.ok


def test_a_click_answered_just_before_redis_stopped_may_still_be_lost_from_its_buffer():
    total, _ = click_rows([click(39.5)], counted=0, counted_unique=0, redis_outages=[Window(40, 60)])
    assert total.ok


def test_counting_more_clicks_than_were_sent_is_doubling():
    total, _ = click_rows([click(0)], counted=2, counted_unique=1, redis_outages=[])
    assert (total.doubled, total.ok) == (1, False)


def test_counting_every_click_of_a_cookieless_visitor_as_unique_is_doubling():
    clicks = [click(0), click(1), click(2)]
    _, unique = click_rows(clicks, counted=3, counted_unique=3, redis_outages=[])
    assert (unique.sent, unique.doubled, unique.ok) == (1, 2, False)


def test_an_event_answered_2xx_but_not_stored_is_lost():
    answered, processed = event_rows({"e1", "e2"}, {"e1": "processed"})
    assert (answered.sent, answered.accounted, answered.lost, answered.ok) == (2, 1, 1, False)
    assert processed.ok


def test_a_stored_event_left_unprocessed_or_quarantined_is_lost():
    _, processed = event_rows({"e1", "e2", "e3"}, {"e1": "processed", "e2": "received", "e3": "quarantined"})
    assert (processed.sent, processed.accounted, processed.lost, processed.ok) == (3, 1, 2, False)
    assert processed.note == "1 quarantined"


def test_an_event_stored_that_the_sender_never_had_answered_is_extra():
    answered, _ = event_rows({"e1"}, {"e1": "processed", "e9": "processed"})
    assert (answered.doubled, answered.ok) == (1, False)


def test_a_refund_lowers_the_pool_a_line_must_carry():
    assert PaidLine("O1", "1", 12_800, 2_000).pool_fen == 2_560
    assert PaidLine("O1", "1", 12_800 - 6_400, 2_000).pool_fen == 1_280
    assert PaidLine("O1", "1", 333, 1_500).pool_fen == 50  # 49.95 fen, half-up


def test_a_paid_line_with_one_commission_line_one_accrual_and_its_pool_in_the_ledger_passes():
    line = PaidLine("O1", "1", 12_800, 2_000)
    rows = order_rows("orders", [line], {"O1"}, {("O1", "1"): BookedLine(1, 2_560, 1, 2_560)})
    assert all(row.ok for row in rows)
    assert [row.accounted for row in rows] == [1, 1, 1, 1]


def test_a_paid_order_the_database_does_not_hold_as_paid_and_its_lines_are_lost():
    rows = order_rows("orders", [PaidLine("O1", "1", 12_800, 2_000)], set(), {})
    assert [row.lost for row in rows] == [1, 1, 1, 1]
    assert not any(row.ok for row in rows)


def test_a_line_accrued_twice_is_doubled_in_the_postings_and_the_ledger():
    line = PaidLine("O1", "1", 12_800, 2_000)
    paid, commission, accruals, ledger = order_rows(
        "orders", [line], {"O1"}, {("O1", "1"): BookedLine(1, 2_560, 2, 5_120)}
    )
    assert paid.ok and commission.ok
    assert (accruals.accounted, accruals.doubled, accruals.ok) == (2, 1, False)
    assert (ledger.doubled, ledger.ok) == (1, False)


def test_a_refund_the_line_did_not_take_leaves_it_carrying_too_much():
    refunded = PaidLine("O1", "1", 6_400, 2_000)
    _, commission, accruals, ledger = order_rows(
        "orders", [refunded], {"O1"}, {("O1", "1"): BookedLine(1, 2_560, 1, 2_560)}
    )
    assert accruals.ok
    assert (commission.doubled, ledger.doubled) == (1, 1)


def test_a_line_refunded_in_full_before_its_payment_was_processed_needs_no_accrual():
    refunded = PaidLine("O1", "1", 0, 2_000)
    rows = order_rows("orders", [refunded], {"O1"}, {("O1", "1"): BookedLine(1, 0, 0, 0)})
    assert all(row.ok for row in rows)
    assert rows[2].note == "1 lines earn nothing (refunded in full)"
    accrued_then_reversed = order_rows("orders", [refunded], {"O1"}, {("O1", "1"): BookedLine(1, 0, 1, 0)})
    assert all(row.ok for row in accrued_then_reversed)
