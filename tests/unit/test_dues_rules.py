"""Supplier dues' rules with values: a statement's arithmetic, what stays outstanding, due days, days overdue, when
that suspends a supplier, and what a remittance posts."""

from __future__ import annotations

import datetime as dt

from distro.dues import rules
from distro.ledger.chart import EntryLine, check_posting


def test_a_statement_opens_with_what_was_owed_before_and_explains_the_month_by_kind():
    figures = rules.figures(closing=11_000, change=10_000, accrued=12_345, reversed_=2_000, clawed_back=345, remitted=0)
    assert figures.opening == 1_000 and figures.adjusted == 0
    assert figures.owed_for_period == 10_000
    assert figures.opening + figures.owed_for_period - figures.remitted + figures.adjusted == figures.closing


def test_what_the_kinds_do_not_explain_is_finances_correction():
    figures = rules.figures(closing=500, change=-1_500, accrued=1_000, reversed_=0, clawed_back=0, remitted=2_000)
    assert figures.opening == 2_000 and figures.adjusted == -500
    assert figures.opening + figures.accrued - figures.remitted + figures.adjusted == figures.closing


def test_a_remittance_after_the_month_lowers_what_is_outstanding_never_below_zero():
    assert rules.outstanding(11_000, 4_000) == 7_000
    assert rules.outstanding(11_000, 11_000) == 0
    assert rules.outstanding(11_000, 20_000) == 0
    assert rules.outstanding(-300, 0) == 0


def test_a_statement_falls_due_days_after_the_shanghai_day_it_was_sent():
    late_evening_utc = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # 01:00 on 2 December in Shanghai
    assert rules.due_on(late_evening_utc, 15) == dt.date(2026, 12, 17)


def test_days_overdue_count_only_past_the_due_day_with_money_outstanding():
    due = dt.date(2026, 12, 17)
    assert rules.days_overdue(due, dt.date(2026, 12, 17), 100) == 0
    assert rules.days_overdue(due, dt.date(2026, 12, 20), 100) == 3
    assert rules.days_overdue(due, dt.date(2026, 12, 20), 0) == 0
    assert rules.days_overdue(None, dt.date(2026, 12, 20), 100) == 0


def test_dues_suspend_a_supplier_only_beyond_the_limit_and_never_when_it_is_off():
    assert not rules.suspends(30, 30)
    assert rules.suspends(31, 30)
    assert not rules.suspends(400, 0)


def test_a_remittance_debits_cash_and_credits_the_suppliers_payable_account():
    lines = rules.remittance_lines(7, 4_000)
    assert lines == [EntryLine("cash", 4_000), EntryLine("supplier:7:payable", -4_000)]
    check_posting(lines)
