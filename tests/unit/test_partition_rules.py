"""The months a partitioned table should have, and their names."""

import datetime as dt

from distro.partitions import rules


def test_the_months_to_have_are_this_month_and_three_after_it_across_a_year_end() -> None:
    assert rules.months_to_have(dt.date(2026, 11, 30)) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    ]


def test_the_month_after_the_end_of_january_is_february_not_march() -> None:
    assert rules.next_month(dt.date(2027, 1, 1)) == dt.date(2027, 2, 1)
    assert rules.months_from(dt.date(2027, 1, 31), dt.date(2027, 3, 1)) == [
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
        dt.date(2027, 3, 1),
    ]


def test_no_months_lie_between_a_later_first_and_an_earlier_last() -> None:
    assert rules.months_from(dt.date(2027, 2, 1), dt.date(2027, 1, 1)) == []


def test_a_partition_is_named_by_its_table_year_and_month() -> None:
    assert rules.partition_name("ledger_entries", dt.date(2026, 3, 1)) == "ledger_entries_y2026m03"
    assert rules.default_partition_name("order_events") == "order_events_default"


def test_a_tables_month_and_default_partitions_are_told_apart_from_other_tables_by_name() -> None:
    assert rules.is_partition_name("share_click_counts_y2026m12", "share_click_counts")
    assert rules.is_partition_name("share_click_counts_default", "share_click_counts")
    assert not rules.is_partition_name("share_click_counts", "share_click_counts")
    assert not rules.is_partition_name("share_click_counts_old", "share_click_counts")
    assert not rules.is_partition_name("share_click_counts_y2026m12", "share_click")
