"""A batch's reconciliation is fixed when it is computed; later refunds and failed payouts show in the batch
that nets them; a month's figures are sums of the ledger's postings in that month."""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distro.auth.models import Role, User
from distro.ledger import services as ledger
from distro.ledger.chart import ACCOUNT_FAMILIES
from distro.ledger.models import Posting
from distro.settlement import batches, computing
from distro.settlement.models import Payout
from distro.settlement.netting import settle_shop
from distro.settlement.payout_results import PayoutResult, record_results
from tests.factories import bearer, make_shop, make_user
from tests.integration import test_settlement
from tests.integration.test_settlement import compute, earn, refund, with_payee

finance, supplier_product = test_settlement.finance, test_settlement.supplier_product  # fixtures, shared


def report_of(client, app, user, batch):
    response = client.get(f"/api/v1/settlement/batches/{batch.id}/reconciliation", headers=bearer(app, user))
    assert response.status_code == 200
    return response.get_json()


def settled(computed):
    """The snapshot's identity figures: brought forward, claimed, netted, carried, payouts, outstanding."""
    names = ("brought_forward", "claimed", "netted_clawbacks", "carried_forward", "payouts", "clawbacks_outstanding")
    return tuple(computed[f"{name}_fen"] for name in names)


def pay(session, checker, batch, status="paid"):
    """Approve the batch and record one result for all its payouts that are not held."""
    batches.approve(session=session, batch_id=batch.id, approver=checker.id)
    payouts = session.scalars(sa.select(Payout.id).where(Payout.batch_id == batch.id, Payout.status == "pending")).all()
    results = [PayoutResult(payout_id, status, "ICBC-1", "账户已冻结") for payout_id in payouts]
    record_results(session=session, batch_id=batch.id, actor=checker.id, results=results)


def paying_shop(client, app, session):
    shop = make_shop(session, app)
    with_payee(client, app, session.get(User, shop.owner_id))
    return shop


def test_a_paid_batchs_reconciliation_is_unchanged_by_a_later_refund_which_the_next_batch_nets(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    shop = paying_shop(client, app, session)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)  # owner 6,000; pool 10,000
    first = compute(session, maker)
    pay(session, checker, first)
    before = report_of(client, app, maker, first)
    assert settled(before["computed"]) == (0, 6_000, 0, 0, 6_000, 0)
    assert before["computed"]["owed_by_supplier"][0]["owed_fen"] == 10_000
    assert (before["results"]["paid_fen"], before["ties_out"]) == (6_000, True)

    refund(client, app, session, "A1", 50_000)  # after payment: a clawback of 3,000
    earn(client, app, session, shop, supplier_product, "A2", 200_000)  # owner 12,000
    assert report_of(client, app, maker, first) == before
    second = compute(session, maker)
    report = report_of(client, app, maker, second)
    assert settled(report["computed"]) == (0, 12_000, 3_000, 0, 9_000, 0)
    assert report["computed"]["owed_by_supplier"][0]["owed_fen"] == 20_000
    assert report["ties_out"] is True


def test_a_batch_paying_a_returned_failed_payout_shows_it_brought_forward_and_nothing_negative(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    shop = paying_shop(client, app, session)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    first = compute(session, maker)
    pay(session, checker, first, "failed")
    earn(client, app, session, shop, supplier_product, "A2", 25_000)  # owner 1,500
    second = compute(session, maker)
    report = report_of(client, app, maker, second)
    assert settled(report["computed"]) == (6_000, 1_500, 0, 0, 7_500, 0)
    assert all(value >= 0 for key, value in report["computed"].items() if key.endswith("_fen"))
    assert report["ties_out"] is True
    failed = report_of(client, app, maker, first)
    assert (failed["results"]["paid_fen"], failed["results"]["failed_returned_fen"]) == (0, 6_000)
    assert (failed["ledger"]["failed_returned_fen"], failed["ties_out"]) == (6_000, True)


def test_a_failed_payout_and_a_clawback_before_the_next_batch_are_each_shown_in_full(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    shop = paying_shop(client, app, session)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    pay(session, checker, compute(session, maker), "failed")
    refund(client, app, session, "A1", 50_000)
    report = report_of(client, app, maker, compute(session, maker))
    assert settled(report["computed"]) == (6_000, 0, 3_000, 0, 3_000, 0)


def test_clawbacks_beyond_the_shops_balance_stay_outstanding_until_a_batch_nets_them(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    shop = paying_shop(client, app, session)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    pay(session, checker, compute(session, maker))
    refund(client, app, session, "A1", 100_000)  # all 6,000 clawed back
    earn(client, app, session, shop, supplier_product, "A2", 1_000)  # owner 60
    short = report_of(client, app, maker, compute(session, maker))
    assert settled(short["computed"]) == (0, 60, 60, 0, 0, 5_940)
    earn(client, app, session, shop, supplier_product, "A3", 200_000)  # owner 12,000
    later = report_of(client, app, maker, compute(session, maker))
    assert settled(later["computed"]) == (0, 12_000, 5_940, 0, 6_060, 0)
    assert short["ties_out"] and later["ties_out"]


def test_a_balance_carried_forward_is_brought_forward_by_the_next_batch(
    client, app, session, finance, supplier_product
):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 1_500)  # owner 90 < ¥1.00
    first = report_of(client, app, maker, compute(session, maker))
    earn(client, app, session, shop, supplier_product, "A2", 1_000)  # owner 60
    second = report_of(client, app, maker, compute(session, maker))
    assert settled(first["computed"]) == (0, 90, 0, 90, 0, 0)
    assert settled(second["computed"]) == (90, 60, 0, 0, 150, 0)


def test_a_cancelled_batch_shows_what_it_would_have_paid_and_that_it_all_returned(
    client, app, session, finance, supplier_product
):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    batches.cancel(session=session, batch_id=batch.id, reason="wrong cut-off", actor=maker.id)
    report = report_of(client, app, maker, batch)
    assert report["computed"]["payouts_fen"] == report["results"]["cancelled_fen"] == 6_000
    assert report["ledger"]["cancelled_fen"] == 6_000 and report["ties_out"] is True
    again = report_of(client, app, maker, compute(session, maker))
    assert settled(again["computed"]) == (0, 6_000, 0, 0, 6_000, 0)


def test_a_computed_reconciliation_cannot_be_rewritten(client, app, session, finance, supplier_product):
    maker, _ = finance
    earn(client, app, session, make_shop(session, app), supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    with pytest.raises(sa.exc.IntegrityError, match="fixed when it is computed"), session.begin_nested():
        session.execute(sa.text("UPDATE settlement_batches SET reconciliation = '{}' WHERE id = :id"), {"id": batch.id})


def test_a_batch_not_yet_computed_has_nothing_to_tie_out(client, app, session, finance):
    maker, _ = finance
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=maker.id)
    report = report_of(client, app, maker, batch)
    assert (report["computed"], report["ties_out"]) == (None, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shops=st.lists(
        st.tuples(
            st.integers(0, 10**12), st.integers(-(10**12), 10**12), st.integers(0, 10**12), st.integers(0, 10**12)
        ),
        min_size=1,
        max_size=20,
    ),
    minimum=st.integers(1, 10_000),
)
def test_the_computations_sql_settles_each_shop_as_settle_shop_does(connection, shops, minimum):
    source = (
        "unnest(CAST(:ids AS bigint[]), CAST(:claimed AS bigint[]), CAST(:residual AS bigint[]),"
        " CAST(:clawed AS bigint[]), CAST(:returned AS bigint[]))"
        " AS u(shop_id, claimed, residual, clawed_back, returned)"
    )
    rows = connection.execute(
        sa.text(computing.position_sql(source, "shop_id") + " ORDER BY shop_id"),
        {
            "ids": list(range(len(shops))),
            "claimed": [shop[0] for shop in shops],
            "residual": [shop[1] for shop in shops],
            "clawed": [shop[2] for shop in shops],
            "returned": [shop[3] for shop in shops],
            "minimum": minimum,
        },
    ).mappings()
    for row, (claimed, residual, clawed_back, returned) in zip(rows, shops, strict=True):
        expected = settle_shop(
            claimed=claimed, residual=residual, clawed_back=clawed_back, returned=returned, minimum=minimum
        )
        assert {name: row[name] for name in vars(expected)} == vars(expected)


def month_now():
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def ledger_sums_in(session, month):
    """Per posting kind and account family, the entries of postings made in month, read posting by posting."""
    first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    following = (first + dt.timedelta(days=32)).replace(day=1)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    postings = session.scalars(sa.select(Posting).where(Posting.created_at >= first, Posting.created_at < following))
    for posting in postings:
        for line in ledger.posting_lines(session, posting.id):
            family = next(name for name, (pattern, _, _) in ACCOUNT_FAMILIES.items() if pattern.match(line.account))
            sums[posting.kind, family] += line.amount
    return sums


def test_a_months_figures_are_the_sums_of_the_ledgers_postings_in_it(client, app, session, finance, supplier_product):
    maker, checker = finance
    shop, other = paying_shop(client, app, session), make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)  # pool 10,000, owner 6,000
    earn(client, app, session, other, supplier_product, "B1", 50_000)  # pool 5,000, owner 3,000 (held: no payee)
    refund(client, app, session, "B1", 10_000)  # before settlement: a reversal of pool 1,000, owner 600
    pay(session, checker, compute(session, maker))
    refund(client, app, session, "A1", 50_000)  # after payment: a clawback of pool 5,000, owner 3,000

    month = month_now()
    response = client.get(f"/api/v1/settlement/periods/{month}", headers=bearer(app, maker))
    assert response.status_code == 200
    report = response.get_json()
    assert report["accrued"] == {"pool_fen": 15_000, "owner_fen": 9_000, "platform_fen": 6_000}
    assert report["reversed"] == {"pool_fen": 1_000, "owner_fen": 600, "platform_fen": 400}
    assert report["clawed_back"] == {"pool_fen": 5_000, "owner_fen": 3_000, "platform_fen": 2_000}
    # B1's refund came after its release: 9,000 became payable, of which 8,400 was left to reserve.
    assert (report["released_fen"], report["reserved_fen"], report["paid_fen"]) == (9_000, 8_400, 6_000)
    assert report["owed_by_supplier"] == [
        {
            "supplier_id": supplier_product.supplier_id,
            "accrued_fen": 15_000,
            "reversed_fen": 1_000,
            "clawed_back_fen": 5_000,
            "remitted_fen": 0,
            "owed_fen": 9_000,
        }
    ]
    assert report["ties_out"] is True

    sums = ledger_sums_in(session, month)
    assert (
        report["accrued"]["pool_fen"]
        == sums["accrual", "supplier_payable"] + sums["accrual_adjustment", "supplier_payable"]
    )
    assert report["reversed"]["owner_fen"] == sums["reversal", "shop_pending"] + sums["reversal", "shop_available"]
    assert report["clawed_back"]["platform_fen"] == sums["clawback", "platform_revenue"]
    assert report["released_fen"] == -sums["release", "shop_available"]
    assert report["reserved_fen"] == -sums["payout_reserve", "payouts_clearing"]
    assert report["paid_fen"] == -sums["payout_paid", "cash"]
    owed_to_owners = sum(
        amount
        for (_, family), amount in sums.items()
        if family in ("shop_pending", "shop_available", "payouts_clearing")
    )
    assert report["owed_to_owners_change_fen"] == -owed_to_owners == 9_000 - 600 - 3_000 - 6_000

    earlier = client.get("/api/v1/settlement/periods/2020-02", headers=bearer(app, maker)).get_json()
    assert (earlier["accrued"]["pool_fen"], earlier["paid_fen"], earlier["ties_out"]) == (0, 0, True)
    assert (earlier["starts_at"], earlier["ends_at"]) == ("2020-01-31T16:00:00+00:00", "2020-02-29T16:00:00+00:00")


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-11-01", "1969-12", "十一月"])
def test_a_period_that_is_not_a_month_is_a_422_problem(client, app, session, finance, month):
    maker, _ = finance
    response = client.get(f"/api/v1/settlement/periods/{month}", headers=bearer(app, maker))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "month"


def test_only_finance_reads_a_period(client, app, session):
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.get("/api/v1/settlement/periods/2026-11", headers=bearer(app, owner)).status_code == 403
    assert client.get("/api/v1/settlement/periods/2026-11").status_code == 401


def test_the_ledger_memos_of_a_sale_its_release_and_its_payout_read_in_chinese(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    shop = paying_shop(client, app, session)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    pay(session, checker, batch)
    memos = dict(session.execute(sa.select(Posting.kind, Posting.memo)).all())
    assert memos["accrual"] == "订单 A1"
    assert memos["release"] == "确认收货且过了售后期，转为可提现"
    assert memos["payout_reserve"] == memos["payout_paid"] == f"结算批次 {batch.id}"
