"""A supplier's own money and standing through the API, as its console pages show them: its deposit and the movements
of it, the statements finance sent it (with what each still asks for and how overdue), and its monthly reviews. The
token's identity picks the supplier; another's statement, or one not sent yet, is a 404; other roles are refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from distro.auth.models import Role
from distro.clock import utcnow
from distro.deposits import services as deposits
from distro.dues import statements
from distro.ledger.chart import shop_account, supplier_account
from distro.quality import services as quality
from distro.suppliers import services as suppliers
from distro.suppliers.rules import SupplierAction
from tests.dues_books import LAST_MONTH, in_month, month_before, post_at, remit
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.test_api_clients import auth, client_token, make_client
from tests.integration.test_supplier_review import OCT, month_of_orders, review_of, run

PATHS = (
    "/api/v1/supplier/deposit",
    "/api/v1/supplier/deposit/movements",
    "/api/v1/supplier/statements",
    "/api/v1/supplier/statements/1",
    "/api/v1/supplier/reviews",
)
REQUIRED = 1_000_000
TWO_MONTHS_AGO = month_before(LAST_MONTH)
THREE_MONTHS_AGO = month_before(TWO_MONTHS_AGO)


def total(answer) -> int:
    return json.loads(answer.headers["X-Pagination"])["total"]


def test_a_supplier_reads_its_deposit_short_after_a_penalty_and_its_movements_newest_first(client, session, app):
    user, supplier = make_supplier(session, app)
    other_user, _ = make_supplier(session, app)
    admin = make_user(session, Role.ADMIN)
    deposits.penalize(session=session, supplier_id=supplier.id, amount_fen=30_000, reason="虚假发货", admin_id=admin.id)

    standing = client.get("/api/v1/supplier/deposit", headers=bearer(app, user))
    assert standing.status_code == 200
    assert standing.get_json() == {
        "status": "approved",
        "required_fen": REQUIRED,
        "held_fen": REQUIRED - 30_000,
        "shortfall_fen": 30_000,
        "sells": False,
    }
    assert client.get("/api/v1/supplier/deposit", headers=bearer(app, other_user)).get_json()["sells"] is True

    movements = client.get("/api/v1/supplier/deposit/movements", headers=bearer(app, user))
    assert movements.status_code == 200 and total(movements) == 2
    assert [(row["kind"], row["amount_fen"]) for row in movements.get_json()] == [
        ("deposit_penalty", -30_000),
        ("deposit_paid", REQUIRED),
    ]
    assert all(row["posting_id"] and row["created_at"] for row in movements.get_json())
    first = client.get("/api/v1/supplier/deposit/movements?page_size=1&page=2", headers=bearer(app, user))
    assert [row["kind"] for row in first.get_json()] == ["deposit_paid"] and total(first) == 2


def _books(session, app):
    """A supplier that owed ¥5.00 three months ago, accrued ¥10.00 two months ago and last month ¥123.45 accrued,
    ¥20.00 reversed, ¥3.45 clawed back: it owed ¥15.00 at the end of the month before last and ¥115.00 at last
    month's end. Each of the three months has its statement."""
    user, supplier = make_supplier(session, app)
    owes, pending = supplier_account(supplier.id), shop_account(make_shop(session, app).id, "pending")
    post_at(session, f"m{supplier.id}:3", "accrual", in_month(THREE_MONTHS_AGO), (owes, 500), (pending, -500))
    post_at(session, f"m{supplier.id}:2", "accrual", in_month(TWO_MONTHS_AGO), (owes, 1_000), (pending, -1_000))
    during = in_month(LAST_MONTH)
    post_at(
        session,
        f"m{supplier.id}:a",
        "accrual",
        during,
        (owes, 12_345),
        (pending, -10_000),
        ("platform:revenue", -2_345),
    )
    post_at(session, f"m{supplier.id}:r", "reversal", during, (pending, 2_000), (owes, -2_000))
    post_at(session, f"m{supplier.id}:c", "clawback", during, (pending, 345), (owes, -345))
    return user, supplier


def _statement_ids(session, supplier_id: int) -> dict:
    query = statements.statements_query(supplier_id=supplier_id)
    return {row["month"]: row["id"] for row in session.execute(query).mappings()}


@pytest.fixture
def sent(app, session):
    """The supplier's statements of the last two months sent 60 days ago (due 15 days later), the one before not sent,
    ¥40.00 remitted since; another supplier's last month's statement sent."""
    user, supplier = _books(session, app)
    _, other = _books(session, app)
    for month in (THREE_MONTHS_AGO, TWO_MONTHS_AGO, LAST_MONTH):
        statements.issue_month(session=session, month=month.strftime("%Y-%m"))
    finance, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    mine, theirs = _statement_ids(session, supplier.id), _statement_ids(session, other.id)
    long_ago = utcnow() - dt.timedelta(days=60)
    for statement_id in (mine[TWO_MONTHS_AGO], mine[LAST_MONTH], theirs[LAST_MONTH]):
        statements.send(session=session, statement_id=statement_id, sender=finance.id, due_days=15, now=long_ago)
    remit(session, supplier.id, 4_000, maker=finance.id, checker=checker.id, reference="B-API")
    return {"user": user, "mine": mine, "theirs": theirs}


def test_a_supplier_lists_the_statements_sent_to_it_newest_first_with_what_each_still_owes(client, app, sent):
    answer = client.get("/api/v1/supplier/statements", headers=bearer(app, sent["user"]))
    assert answer.status_code == 200 and total(answer) == 2
    last, before = answer.get_json()
    assert (last["id"], before["id"]) == (sent["mine"][LAST_MONTH], sent["mine"][TWO_MONTHS_AGO])
    assert (last["month"], before["month"]) == (LAST_MONTH.isoformat(), TWO_MONTHS_AGO.isoformat())
    figures = ("opening_fen", "accrued_fen", "reversed_fen", "clawed_back_fen", "remitted_fen", "adjusted_fen")
    assert [last[name] for name in figures] == [1_500, 12_345, 2_000, 345, 0, 0]
    assert last["closing_fen"] == 11_500 and before["closing_fen"] == 1_500
    # ¥40.00 remitted after both months: the newest still asks for ¥75.00, the older for nothing.
    assert (last["outstanding_fen"], before["outstanding_fen"]) == (7_500, 0)
    # Sent 60 days ago, due 15 days after: 45 days overdue while money is outstanding, none once paid.
    assert (last["days_overdue"], before["days_overdue"]) == (45, 0)
    assert last["sent_at"] and dt.date.fromisoformat(last["due_on"]) < dt.date.today()
    assert dt.datetime.fromisoformat(last["starts_at"]) < dt.datetime.fromisoformat(last["ends_at"])

    page = client.get("/api/v1/supplier/statements?page=2&page_size=1", headers=bearer(app, sent["user"]))
    assert [row["id"] for row in page.get_json()] == [sent["mine"][TWO_MONTHS_AGO]] and total(page) == 2


def test_a_supplier_reads_one_of_its_sent_statements_with_the_lists_figures(client, app, sent):
    headers = bearer(app, sent["user"])
    listed = client.get("/api/v1/supplier/statements", headers=headers).get_json()[0]
    one = client.get(f"/api/v1/supplier/statements/{sent['mine'][LAST_MONTH]}", headers=headers)
    assert one.status_code == 200 and one.get_json() == listed


def test_another_suppliers_statement_and_one_not_sent_yet_are_404_problems(client, app, sent):
    headers = bearer(app, sent["user"])
    for statement_id in (sent["theirs"][LAST_MONTH], sent["mine"][THREE_MONTHS_AGO], 10**12):
        answer = client.get(f"/api/v1/supplier/statements/{statement_id}", headers=headers)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    listed = client.get("/api/v1/supplier/statements", headers=headers).get_json()
    assert sent["mine"][THREE_MONTHS_AGO] not in {row["id"] for row in listed}


def test_a_supplier_lists_its_reviews_newest_month_first_with_their_numbers(client, session, app):
    user, supplier = make_supplier(session, app)
    product = make_product(session, app, user)
    september = dt.date(2026, 9, 1)
    month_of_orders(session, product, september, orders=5, refunded=5)
    run(session, app, september, now=dt.datetime(2026, 10, 3, 4, tzinfo=dt.UTC))
    month_of_orders(session, product, OCT, orders=40, refunded=8)
    run(session, app)
    other_user, _ = make_supplier(session, app)
    month_of_orders(session, make_product(session, app, other_user), OCT, orders=40)
    run(session, app)
    warning = review_of(session, supplier)
    quality.overrule(
        session=session,
        review_id=warning.id,
        admin_id=make_user(session, Role.ADMIN).id,
        reason="系统故障",
        settings=app.config,
    )

    answer = client.get("/api/v1/supplier/reviews", headers=bearer(app, user))
    assert answer.status_code == 200 and total(answer) == 2
    october, too_few = answer.get_json()
    assert (october["period"], october["outcome"], october["strike"], october["failed"]) == (
        "2026-10-01",
        "warning",
        1,
        ["refund"],
    )
    assert (october["orders"], october["on_time_bp"], october["refund_bp"], october["cancel_bp"]) == (
        40,
        10_000,
        2_000,
        0,
    )
    assert october["overruled_at"] and october["overrule_reason"] == "系统故障"
    # Five orders, all refunded: too few to judge, so no strike, though the rate is given.
    assert (too_few["period"], too_few["outcome"], too_few["strike"], too_few["failed"]) == (
        "2026-09-01",
        "too_few",
        0,
        [],
    )
    assert (too_few["orders"], too_few["refund_bp"]) == (5, 10_000)
    assert too_few["overruled_at"] is None and too_few["overrule_reason"] is None

    theirs = client.get("/api/v1/supplier/reviews", headers=bearer(app, other_user)).get_json()
    assert [(row["period"], row["outcome"]) for row in theirs] == [("2026-10-01", "passed")]


def test_a_suspended_supplier_still_reads_its_deposit_statements_and_reviews(client, session, app):
    user, supplier = make_supplier(session, app)
    suppliers.decide(
        session=session,
        supplier_id=supplier.id,
        action=SupplierAction.SUSPEND,
        reason="资质过期",
        admin_id=make_user(session, Role.ADMIN).id,
    )
    for path in PATHS[:3] + PATHS[4:]:
        assert client.get(path, headers=bearer(app, user)).status_code == 200, path
    standing = client.get("/api/v1/supplier/deposit", headers=bearer(app, user)).get_json()
    assert standing["status"] == "suspended" and standing["held_fen"] == REQUIRED and standing["sells"] is False


def test_a_shop_owner_is_forbidden_and_an_anonymous_caller_unauthorized(client, session, app):
    owner = make_user(session, Role.SHOP_OWNER)
    for path in PATHS:
        assert client.get(path, headers=bearer(app, owner)).status_code == 403, path
        assert client.get(path).status_code == 401, path


def test_a_supplier_account_that_has_not_been_approved_is_forbidden(client, session, app):
    applied, _ = make_supplier(session, app, approve=False)
    never_applied = make_user(session, Role.SUPPLIER)
    for user in (applied, never_applied):
        for path in PATHS:
            answer = client.get(path, headers=bearer(app, user))
            assert answer.status_code == 403 and "approved or suspended" in answer.get_json()["detail"], path


def test_a_suppliers_erp_reads_its_deposit_and_statements_with_settlement_read_and_its_reviews_with_orders_read(
    client, session, app
):
    user, _ = make_supplier(session, app)
    orders_only = auth(client_token(client, make_client(session, user, scopes=("orders:read",))))
    assert client.get("/api/v1/supplier/reviews", headers=orders_only).status_code == 200
    refused = client.get("/api/v1/supplier/deposit", headers=orders_only)
    assert refused.status_code == 403 and "settlement:read" in refused.get_json()["detail"]
    assert client.get("/api/v1/supplier/statements", headers=orders_only).status_code == 403

    settlement = auth(client_token(client, make_client(session, user, scopes=("settlement:read",))))
    assert client.get("/api/v1/supplier/deposit", headers=settlement).get_json()["held_fen"] == REQUIRED
    assert client.get("/api/v1/supplier/statements", headers=settlement).status_code == 200
    assert client.get("/api/v1/supplier/reviews", headers=settlement).status_code == 403
