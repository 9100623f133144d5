import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.errors import Conflict
from distro.ledger import services
from distro.ledger.chart import EntryLine
from distro.ledger.models import Adjustment, Entry, LedgerAccount, Posting
from tests.factories import bearer, make_user

ACCRUAL = [
    EntryLine("supplier:1:payable", 2000),
    EntryLine("shop:2:pending", -1200),
    EntryLine("platform:revenue", -800),
]


def post_accrual(session, reference="order:1:line:1:accrual", lines=ACCRUAL):
    posting_id = services.record_posting(session, reference=reference, kind="accrual", lines=lines)
    session.commit()
    return posting_id


def test_a_posting_moves_balances_on_each_accounts_normal_side(session):
    post_accrual(session)
    assert services.balances(session, ["supplier:1:payable", "shop:2:pending", "platform:revenue"]) == {
        "supplier:1:payable": 2000,
        "shop:2:pending": 1200,
        "platform:revenue": 800,
    }
    assert services.balance(session, "shop:99:available") == 0


def test_recording_the_same_reference_twice_posts_once(session):
    first = post_accrual(session)
    second = post_accrual(session)
    assert first == second
    assert session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 3
    assert services.balance(session, "shop:2:pending") == 1200


def test_the_same_reference_with_different_entries_is_a_conflict(session):
    post_accrual(session)
    other = [EntryLine("supplier:1:payable", 1), EntryLine("shop:2:pending", -1)]
    with pytest.raises(Conflict):
        services.record_posting(session, reference="order:1:line:1:accrual", kind="accrual", lines=other)


def test_the_database_refuses_an_unbalanced_insert(session):
    posting_id = post_accrual(session)
    account_id = session.scalar(sa.text("SELECT id FROM ledger_accounts WHERE code = 'shop:2:pending'"))
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"), session.begin_nested():
        session.execute(sa.insert(Entry).values(posting_id=posting_id, account_id=account_id, amount=5))


def test_the_database_refuses_entries_naming_a_posting_that_does_not_exist(session):
    post_accrual(session)
    cash = services.ensure_accounts(session, ["cash"])["cash"]
    with pytest.raises(sa.exc.DBAPIError, match="name posting 987654321, which does not exist"), session.begin_nested():
        session.execute(
            sa.insert(Entry).values([dict(posting_id=987654321, account_id=cash, amount=fen) for fen in (5, -5)])
        )


def test_the_database_refuses_entries_naming_an_account_that_does_not_exist(session):
    posting_id = post_accrual(session)
    cash = services.ensure_accounts(session, ["cash"])["cash"]
    with pytest.raises(sa.exc.DBAPIError, match="account 987654321, which does not exist"), session.begin_nested():
        session.execute(
            sa.insert(Entry).values(
                [
                    dict(posting_id=posting_id, account_id=cash, amount=5),
                    dict(posting_id=posting_id, account_id=987654321, amount=-5),
                ]
            )
        )


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM ledger_accounts WHERE code = 'shop:2:pending'",
        "UPDATE ledger_accounts SET id = id + 1000000 WHERE code = 'shop:2:pending'",
        "TRUNCATE ledger_accounts CASCADE",
    ],
)
def test_the_database_keeps_every_ledger_account_entries_name(session, statement):
    post_accrual(session)
    with pytest.raises(sa.exc.DBAPIError, match="ledger accounts are kept"), session.begin_nested():
        session.execute(sa.text(statement))
    assert services.balance(session, "shop:2:pending") == 1200


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = amount * 2",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries CASCADE",
        "UPDATE ledger_postings SET memo = 'edited'",
        "DELETE FROM ledger_postings",
    ],
)
def test_the_database_refuses_to_change_or_delete_ledger_rows(session, statement):
    post_accrual(session)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), session.begin_nested():
        session.execute(sa.text(statement))
    assert services.balance(session, "shop:2:pending") == 1200


def test_a_posting_without_entries_is_refused(session):
    with pytest.raises(sa.exc.DBAPIError, match="fewer than two entries"), session.begin_nested():
        session.execute(sa.insert(Posting).values(reference="lonely", kind="adjustment", memo=""))


def test_a_posting_whose_entries_come_in_a_later_statement_is_refused(session):
    accounts = services.ensure_accounts(session, ["cash", "platform:adjustments"])
    with pytest.raises(sa.exc.DBAPIError, match="fewer than two entries"), session.begin_nested():
        posting_id = session.execute(
            sa.insert(Posting).values(reference="late", kind="adjustment", memo="").returning(Posting.id)
        ).scalar_one()
        session.execute(
            sa.text(
                "INSERT INTO ledger_entries (posting_id, account_id, amount, posted_at) "
                "SELECT id, :cash, 100, created_at FROM ledger_postings WHERE id = :id "
                "UNION ALL SELECT id, :adjustments, -100, created_at FROM ledger_postings WHERE id = :id"
            ),
            {"id": posting_id, "cash": accounts["cash"], "adjustments": accounts["platform:adjustments"]},
        )


def test_a_batch_of_postings_one_of_them_without_entries_is_refused_whole(session):
    accounts = services.ensure_accounts(session, ["cash", "platform:adjustments"])
    with pytest.raises(sa.exc.DBAPIError, match=r"\(bare:2\) has fewer than two entries"), session.begin_nested():
        session.execute(
            sa.text(
                "WITH posted AS (INSERT INTO ledger_postings (reference, kind, memo, created_at) "
                "VALUES ('bare:1', 'adjustment', '', now()), ('bare:2', 'adjustment', '', now()) "
                "RETURNING id, reference) "
                "INSERT INTO ledger_entries (posting_id, account_id, amount) "
                "SELECT id, a, x FROM posted CROSS JOIN (VALUES (:cash, 100), (:adjustments, -100)) AS e(a, x) "
                "WHERE reference = 'bare:1'"
            ),
            {"cash": accounts["cash"], "adjustments": accounts["platform:adjustments"]},
        )
    assert session.scalar(sa.select(sa.func.count()).select_from(Posting).where(Posting.reference.like("bare:%"))) == 0


def test_the_trial_balance_is_zero_and_no_posting_is_unbalanced(session):
    post_accrual(session, "a")
    post_accrual(session, "b", [EntryLine("shop:2:available", 500), EntryLine("shop:2:pending", -500)][::-1])
    totals = services.trial_balance(session)
    assert totals["total"] == 0
    assert totals["asset"] == 2000
    assert services.unbalanced_postings(session) == []


@pytest.mark.parametrize(
    ("entries", "refused"),
    [
        # settlement reads a shop's id back from its account code as a bigint: this one would break every batch
        (
            [{"account": "shop:99999999999999999999:available", "amount": 1}, {"account": "cash", "amount": -1}],
            [("entries", "balanced")],
        ),
        # accounts of owners that do not exist: created, the money would sit where no settlement looks
        (
            [
                {"account": "shop:424242:available", "amount": 1},
                {"account": "supplier:434343:payable", "amount": 1},
                {"account": "cash", "amount": -2},
            ],
            [("entries.0.account", "unknown"), ("entries.1.account", "unknown")],
        ),
        # -(2**63) is a bigint, but its reversal would not be
        (
            [{"account": "cash", "amount": 2**63}, {"account": "platform:adjustments", "amount": -(2**63)}],
            [("entries.0.amount", "range"), ("entries.1.amount", "range")],
        ),
    ],
)
def test_an_adjustment_beyond_what_the_ledger_can_hold_is_a_422_and_proposes_nothing(
    client, app, session, entries, refused
):
    finance = make_user(session, Role.FINANCE)
    accounts = session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount))
    response = client.post(
        "/api/v1/ledger/adjustments", json={"memo": "fix it", "entries": entries}, headers=bearer(app, finance)
    )
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == refused
    assert session.scalar(sa.select(sa.func.count()).select_from(Adjustment)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerAccount)) == accounts
