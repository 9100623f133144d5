"""A month's statements are issued in one SQL statement: its figures are rules.figures' and its sums by kind are
the 月度报表's (settlement.periods), for every kind of posting on a supplier's payable account."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distro.dues import rules, statements
from distro.ledger import services as ledger
from distro.ledger.chart import shop_account, supplier_account
from distro.settlement import queries as settlement
from tests.dues_books import LAST_MONTH, in_month, month_before, post_at
from tests.factories import make_shop, make_supplier

MONTH = LAST_MONTH.strftime("%Y-%m")
FEN = st.integers(-(10**12), 10**12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(FEN, FEN, FEN, FEN, FEN, FEN), min_size=1, max_size=20))
def test_the_statements_sql_figures_are_rules_figures(connection, rows):
    names = ("closing", "change", "accrued", "reversed", "clawed_back", "remitted")
    source = ", ".join(f"CAST(:{name} AS bigint[])" for name in names)
    found = connection.execute(
        sa.text(f"SELECT {statements.STATEMENT_FIGURES} FROM unnest({source}) AS s({', '.join(names)})"),
        {name: [row[index] for row in rows] for index, name in enumerate(names)},
    ).mappings()
    for figures, (closing, change, accrued, reversed_, clawed_back, remitted) in zip(found, rows, strict=True):
        expected = rules.figures(
            closing=closing,
            change=change,
            accrued=accrued,
            reversed_=reversed_,
            clawed_back=clawed_back,
            remitted=remitted,
        )
        assert {name: figures[f"{name}_fen"] for name in vars(expected)} == vars(expected)


def test_every_kind_on_a_payable_account_counts_in_the_statement_as_the_months_report_counts_it(session, app):
    _, supplier = make_supplier(session, app)
    _, quiet = make_supplier(session, app)  # owes from before, nothing in the month: a statement all the same
    shop = make_shop(session, app)
    owes, pending = supplier_account(supplier.id), shop_account(shop.id, "pending")
    before, during = in_month(month_before(LAST_MONTH)), in_month(LAST_MONTH)
    post_at(session, "s:old", "accrual", before, (owes, 5_000), (pending, -5_000))
    post_at(session, "q:old", "accrual", before, (supplier_account(quiet.id), 700), (pending, -700))
    for reference, kind, amount in (
        ("s:a", "accrual", 12_345),
        ("s:aa", "accrual_adjustment", 655),
        ("s:r", "reversal", -2_000),
        ("s:c", "clawback", -345),
        ("s:m", "supplier_remittance", -4_000),
        ("s:j", "adjustment", 123),
        ("s:jr", "adjustment_reversal", -23),
    ):
        post_at(
            session,
            reference,
            kind,
            during,
            (owes, amount),
            (pending if kind != "supplier_remittance" else "cash", -amount),
        )

    assert statements.issue_month(session=session, month=MONTH) == 2
    issued = {
        row["supplier_id"]: row for row in session.execute(statements.statements_query(month=LAST_MONTH)).mappings()
    }
    [moved] = [
        item for item in settlement.period(session, MONTH)["owed_by_supplier"] if item["supplier_id"] == supplier.id
    ]
    expected = rules.figures(
        closing=ledger.balance(session, owes),
        change=moved["owed_fen"],
        accrued=moved["accrued_fen"],
        reversed_=moved["reversed_fen"],
        clawed_back=moved["clawed_back_fen"],
        remitted=moved["remitted_fen"],
    )
    assert {name: issued[supplier.id][f"{name}_fen"] for name in vars(expected)} == vars(expected)
    assert (expected.opening, expected.accrued, expected.reversed, expected.clawed_back) == (5_000, 13_000, 2_000, 345)
    assert (expected.remitted, expected.adjusted, expected.closing) == (4_000, 100, 11_755)
    assert (issued[quiet.id]["opening_fen"], issued[quiet.id]["closing_fen"]) == (700, 700)
