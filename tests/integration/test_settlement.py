import csv
import datetime as dt
import io
from collections import Counter

import openpyxl
import pytest
import sqlalchemy as sa

from distro.audit import AuditEntry
from distro.auth.models import Role, User
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.commission.release import release_due_commission
from distro.errors import FieldError, ValidationFailed
from distro.ledger import services as ledger
from distro.ledger.chart import EntryLine
from distro.ledger.models import Posting
from distro.settlement import batches, computing
from distro.settlement.models import Payout, SettlementBatch, SettlementClaim
from distro.settlement.payout_results import PayoutResult, record_results
from distro.settlement.queries import reconciliation
from tests.factories import (
    bearer,
    carry,
    commission_rules,
    make_product,
    make_shop,
    make_supplier,
    make_user,
    paid,
    post_event,
)

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def finance(session):
    return make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)


@pytest.fixture
def supplier_product(app, session):
    supplier_user, _ = make_supplier(session, app)
    return make_product(
        session, app, supplier_user, price_fen=1_000_000, other_platform_price_fen=1_000_000, commission_rate_bp=1_000
    )


def earn(client, app, session, shop, product, order_id, paid_fen, *, release=True):
    """An order of paid_fen through shop, delivered long ago; its commission released (owner gets 6% of paid)."""
    carry(session, shop, product)
    post_event(
        client,
        app,
        "order.paid",
        paid(order_id, shop.slug, [("1", product.id, paid_fen)], paid_at="2026-10-01T10:00:00+08:00"),
    )
    post_event(client, app, "order.delivered", {"order_id": order_id, "delivered_at": "2026-10-02T10:00:00+08:00"})
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))
    if release:
        release_due_commission(session=session, now=LATER)


def refund(client, app, session, order_id, amount_fen, refund_id="r1"):
    post_event(
        client,
        app,
        "order.refunded",
        {
            "order_id": order_id,
            "refund_id": refund_id,
            "refunded_at": "2026-12-01T10:00:00+08:00",
            "lines": [{"line_id": "1", "amount_fen": amount_fen}],
        },
    )
    commission.process_order(session=session, order_ref=order_id, rules=commission_rules(app, session))


def with_payee(client, app, owner):
    response = client.post(
        "/api/v1/payee-accounts",
        headers=bearer(app, owner),
        json={"kind": "bank", "account_name": "王小美", "account_number": "6222020200112233", "bank_name": "工商银行"},
    )
    assert response.status_code == 201
    return response.get_json()


def compute(session, maker, cutoff=None):
    batch = batches.create_batch(session=session, cutoff_at=cutoff, created_by=maker.id)
    assert computing.compute_batch(session=session, batch_id=batch.id, minimum_fen=100) == "computed"
    session.refresh(batch)
    return batch


def approved_batch(client, app, session, finance, product, *, shops: int):
    """A batch approved by the checker that pays that many new shops, each with a payee account: (batch, the shops)."""
    maker, checker = finance
    made = [make_shop(session, app) for _ in range(shops)]
    for number, shop in enumerate(made, start=1):
        with_payee(client, app, session.get(User, shop.owner_id))
        earn(client, app, session, shop, product, f"A{number}", 100_000)
    batch = compute(session, maker)
    batches.approve(session=session, batch_id=batch.id, approver=checker.id)
    return batch, made


def available(session, shop):
    return ledger.balance(session, f"shop:{shop.id}:available")


def test_a_batch_pays_each_shop_its_payable_commission_once(client, app, session, finance, supplier_product):
    maker, _ = finance
    with_payee_shop = make_shop(session, app, slug="paid-shop")
    with_payee(client, app, session.get(User, with_payee_shop.owner_id))
    no_payee_shop = make_shop(session, app, slug="held-shop")
    earn(client, app, session, with_payee_shop, supplier_product, "A1", 100_000)  # owner 6,000 fen
    earn(client, app, session, no_payee_shop, supplier_product, "B1", 50_000)  # owner 3,000 fen
    batch = compute(session, maker)
    assert (
        batch.status,
        batch.lines_claimed,
        batch.claimed_owner_fen,
        batch.payouts_count,
        batch.held_count,
        batch.payout_total_fen,
    ) == ("ready", 2, 9_000, 2, 1, 9_000)
    payouts = {p.shop_id: p for p in session.scalars(sa.select(Payout))}
    assert (payouts[with_payee_shop.id].amount_fen, payouts[with_payee_shop.id].status) == (6_000, "pending")
    assert (payouts[no_payee_shop.id].amount_fen, payouts[no_payee_shop.id].status) == (3_000, "held")
    assert available(session, with_payee_shop) == 0 and ledger.balance(session, "payouts:clearing") == 9_000
    claimed = session.scalars(sa.select(SettlementClaim.line_id).where(SettlementClaim.batch_id == batch.id)).all()
    assert sorted(claimed) == sorted(session.scalars(sa.select(CommissionLine.id)))
    again = compute(session, maker)
    assert (again.lines_claimed, again.payouts_count) == (0, 0)


def test_the_preview_shows_the_totals_and_keeps_nothing(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    previewed = computing.preview(session=session, cutoff_at=None, minimum_fen=100, actor=maker.id)
    assert (previewed.totals.lines_claimed, previewed.totals.payout_total_fen) == (1, 6_000)
    assert (previewed.reconciliation["claimed_fen"], previewed.reconciliation["payouts_fen"]) == (6_000, 6_000)
    assert session.scalar(sa.select(sa.func.count()).select_from(Payout)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SettlementBatch)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SettlementClaim)) == 0
    assert available(session, shop) == 6_000


def test_lines_payable_after_the_cutoff_wait_for_the_next_batch(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker, cutoff=dt.datetime(2026, 10, 5, tzinfo=dt.UTC))  # payable on Oct 9
    assert (batch.lines_claimed, batch.payouts_count) == (0, 0)
    assert available(session, shop) == 6_000


def test_below_the_minimum_the_balance_carries_forward(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 1_500)  # owner 90 fen < ¥1.00
    first = compute(session, maker)
    assert (first.lines_claimed, first.payouts_count) == (1, 0)
    earn(client, app, session, shop, supplier_product, "A2", 1_000)  # +60 fen
    second = compute(session, maker)
    assert (second.lines_claimed, second.payout_total_fen) == (1, 150)


def test_a_clawback_is_netted_against_the_next_payout(client, app, session, finance, supplier_product):
    maker, checker = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)  # 6,000
    first = compute(session, maker)
    batches.approve(session=session, batch_id=first.id, approver=checker.id)
    refund(client, app, session, "A1", 50_000)  # after settlement: clawback of 3,000
    assert available(session, shop) == -3_000
    earn(client, app, session, shop, supplier_product, "A2", 200_000)  # +12,000
    second = compute(session, maker)
    assert second.payout_total_fen == 9_000
    kinds = session.scalars(sa.select(Posting.kind)).all()
    assert "clawback" in kinds


def test_whoever_creates_a_batch_cannot_approve_it(client, app, session, finance, supplier_product):
    maker, checker = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    response = client.post(f"/api/v1/settlement/batches/{batch.id}/approve", headers=bearer(app, maker))
    assert response.status_code == 403
    approved = client.post(f"/api/v1/settlement/batches/{batch.id}/approve", headers=bearer(app, checker))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    trail = client.get(f"/api/v1/settlement/batches/{batch.id}/audit", headers=bearer(app, checker)).get_json()
    assert [entry["action"] for entry in trail] == ["settlement.approved", "settlement.computed", "settlement.created"]


def test_cancelling_a_ready_batch_releases_its_lines_and_money(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    batches.cancel(session=session, batch_id=batch.id, reason="wrong cut-off", actor=maker.id)
    assert available(session, shop) == 6_000 and ledger.balance(session, "payouts:clearing") == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SettlementClaim)) == 0
    assert session.scalars(sa.select(Payout.status)).one() == "cancelled"
    assert compute(session, maker).payout_total_fen == 6_000


def test_owners_see_a_line_settled_while_a_batch_claims_it_and_payable_again_once_cancelled(
    client, app, session, finance, supplier_product
):
    maker, _ = finance
    shop = make_shop(session, app)
    owner = session.get(User, shop.owner_id)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)

    def statuses():
        lines = client.get("/api/v1/commission/lines", headers=bearer(app, owner)).get_json()
        return [line["status"] for line in lines]

    assert statuses() == ["payable"]
    batch = compute(session, maker)
    assert statuses() == ["settled"]
    batches.cancel(session=session, batch_id=batch.id, reason="wrong cut-off", actor=maker.id)
    assert statuses() == ["payable"]


def test_paid_and_failed_results_move_the_money_and_finish_the_batch(client, app, session, finance, supplier_product):
    _, checker = finance
    batch, shops = approved_batch(client, app, session, finance, supplier_product, shops=2)
    paid_payout, failed_payout = session.scalars(sa.select(Payout).order_by(Payout.shop_id)).all()
    headers = bearer(app, checker)
    url = f"/api/v1/settlement/batches/{batch.id}/results"
    body = {
        "results": [
            {"payout_id": paid_payout.id, "status": "paid", "external_reference": "ICBC-0001"},
            {"payout_id": failed_payout.id, "status": "failed", "reason": "账户已冻结"},
        ]
    }
    deposits_in = ledger.balance(session, "cash")  # the suppliers' deposits, paid in as they were admitted
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "partly_paid"
    assert ledger.balances(session, ["cash", "payouts:clearing", f"shop:{shops[1].id}:available"]) == {
        "cash": deposits_in - 6_000,
        "payouts:clearing": 0,
        f"shop:{shops[1].id}:available": 6_000,
    }
    statements = client.get(
        "/api/v1/settlement/statements", headers=bearer(app, session.get(User, shops[1].owner_id))
    ).get_json()
    assert [(s["status"], s["failure_reason"]) for s in statements] == [("failed", "账户已冻结")]


def test_results_that_do_not_fit_are_refused_whole(client, app, session, finance, supplier_product):
    maker, checker = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)  # no payee: held
    batches.approve(session=session, batch_id=batch.id, approver=checker.id)
    payout = session.scalars(sa.select(Payout)).one()
    response = client.post(
        f"/api/v1/settlement/batches/{batch.id}/results",
        headers=bearer(app, checker),
        json={"results": [{"payout_id": payout.id, "status": "paid"}, {"payout_id": 999_999, "status": "paid"}]},
    )
    assert response.status_code == 422
    assert {e["rule"] for e in response.get_json()["errors"]} == {"held", "unknown"}
    assert session.scalars(sa.select(Payout.status)).one() == "held"
    with_payee(client, app, session.get(User, shop.owner_id))
    batches.release_held(session=session, batch_id=batch.id, actor=checker.id)
    ok = client.post(
        f"/api/v1/settlement/batches/{batch.id}/results",
        headers=bearer(app, checker),
        json={"results": [{"payout_id": payout.id, "status": "paid", "external_reference": "X"}]},
    )
    assert ok.get_json()["status"] == "paid"


def test_each_result_that_cannot_be_recorded_is_named_at_its_index_and_none_is_recorded(
    client, app, session, finance, supplier_product
):
    maker, checker = finance
    held_shop, paid_shop, pending_shop, later_shop = (make_shop(session, app) for _ in range(4))
    for shop, order in zip((held_shop, paid_shop, pending_shop), ("A1", "A2", "A3"), strict=True):
        if shop is not held_shop:
            with_payee(client, app, session.get(User, shop.owner_id))
        earn(client, app, session, shop, supplier_product, order, 100_000)
    batch = compute(session, maker)
    batches.approve(session=session, batch_id=batch.id, approver=checker.id)
    payout = {p.shop_id: p.id for p in session.scalars(sa.select(Payout).where(Payout.batch_id == batch.id))}
    held, paid_id, pending = payout[held_shop.id], payout[paid_shop.id], payout[pending_shop.id]
    record_results(session=session, batch_id=batch.id, actor=checker.id, results=[PayoutResult(paid_id, "paid", "R-1")])
    with_payee(client, app, session.get(User, later_shop.owner_id))
    earn(client, app, session, later_shop, supplier_product, "B1", 100_000)
    other_batch = compute(session, maker)
    of_other_batch = session.scalars(sa.select(Payout.id).where(Payout.batch_id == other_batch.id)).one()
    results = [
        PayoutResult(of_other_batch, "paid"),
        PayoutResult(999_999_999, "lost"),
        PayoutResult(held, "lost"),
        PayoutResult(held, "paid"),
        PayoutResult(paid_id, "failed", reason="账户已冻结"),
        PayoutResult(paid_id, "paid", "R-1"),
        PayoutResult(pending, "failed", reason="账户已冻结"),
        PayoutResult(pending, ""),
    ]
    with pytest.raises(ValidationFailed) as refused:
        record_results(session=session, batch_id=batch.id, actor=checker.id, results=results)
    session.rollback()
    assert refused.value.errors == [
        FieldError("results.0.payout_id", "is not a payout of this batch", "unknown"),
        FieldError("results.1.payout_id", "is not a payout of this batch", "unknown"),
        FieldError("results.2.status", "must be paid or failed", "one_of"),
        FieldError("results.3.payout_id", "is held: the owner has no payee account", "held"),
        FieldError("results.4.status", "the payout is already paid", "already_resolved"),
        FieldError("results.5.status", "contradicts the failed given earlier for this payout", "contradicts"),
        FieldError("results.7.status", "must be paid or failed", "one_of"),
    ]
    statuses = dict(session.execute(sa.select(Payout.id, Payout.status)).all())
    assert (statuses[held], statuses[paid_id], statuses[pending]) == ("held", "paid", "pending")
    assert postings_of(session, "payout_failed") == 0 and audited(session, batch, "settlement.results") == 1


def test_a_payout_named_twice_with_the_same_status_takes_its_first_reference(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, _ = approved_batch(client, app, session, finance, supplier_product, shops=2)
    first, second = session.scalars(sa.select(Payout.id).order_by(Payout.id)).all()
    recorded = record_results(
        session=session,
        batch_id=batch.id,
        actor=checker.id,
        results=[
            PayoutResult(second, "paid", "B-1"),
            PayoutResult(first, "paid", "A-1"),
            PayoutResult(second, "paid", "B-2"),
        ],
    )
    assert recorded.status == "paid"
    assert session.execute(sa.select(Payout.id, Payout.external_reference).order_by(Payout.id)).all() == [
        (first, "A-1"),
        (second, "B-1"),
    ]
    assert (postings_of(session, "payout_paid"), postings_of(session, "payout_failed")) == (1, 0)
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "settlement.results")).one()
    assert entry.after == {"paid": [second, first], "failed": []}


def test_the_payouts_a_request_pays_share_one_posting_and_those_it_fails_return_each_shops_money_in_another(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, _ = approved_batch(client, app, session, finance, supplier_product, shops=3)
    paid, failed, also_paid = session.scalars(sa.select(Payout).order_by(Payout.id)).all()
    results = [
        PayoutResult(paid.id, "paid", "A-1"),
        PayoutResult(failed.id, "failed", reason="账户已冻结"),
        PayoutResult(also_paid.id, "paid", "C-1"),
    ]
    record_results(session=session, batch_id=batch.id, actor=checker.id, results=results)
    for payout in (paid, failed, also_paid):
        session.refresh(payout)
    assert paid.posting_id == also_paid.posting_id != failed.posting_id
    posting_ids = (paid.posting_id, failed.posting_id)
    moved = {posting_id: Counter(ledger.posting_lines(session, posting_id)) for posting_id in posting_ids}
    paid_fen = paid.amount_fen + also_paid.amount_fen
    assert moved[paid.posting_id] == Counter([EntryLine("payouts:clearing", paid_fen), EntryLine("cash", -paid_fen)])
    assert moved[failed.posting_id] == Counter(
        [
            EntryLine("payouts:clearing", failed.amount_fen),
            EntryLine(f"shop:{failed.shop_id}:available", -failed.amount_fen),
        ]
    )
    references = {session.get(Posting, posting_id).reference for posting_id in posting_ids}
    assert references == {
        f"settlement-batch:{batch.id}:paid:{paid.id}",
        f"settlement-batch:{batch.id}:failed:{failed.id}",
    }
    assert ledger.balance(session, f"shop:{failed.shop_id}:available") == failed.amount_fen
    assert ledger.balance(session, f"shop:{paid.shop_id}:available") == 0
    assert reconciliation(session, batch.id)["ties_out"] is True


def test_a_batch_whose_payouts_were_resolved_before_0039_finds_their_postings_by_reference_and_ties_out(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, _ = approved_batch(client, app, session, finance, supplier_product, shops=3)
    old_paid, old_failed, new_paid = session.scalars(sa.select(Payout).order_by(Payout.id)).all()
    # As record_results wrote them before migration 0039: a posting per payout, which the payout does not name.
    ledger.record_postings(
        session,
        [
            ledger.NewPosting(
                f"payout:{old_paid.id}:paid",
                "payout_paid",
                [EntryLine("payouts:clearing", old_paid.amount_fen), EntryLine("cash", -old_paid.amount_fen)],
            ),
            ledger.NewPosting(
                f"payout:{old_failed.id}:failed",
                "payout_failed",
                [
                    EntryLine("payouts:clearing", old_failed.amount_fen),
                    EntryLine(f"shop:{old_failed.shop_id}:available", -old_failed.amount_fen),
                ],
            ),
        ],
    )
    session.execute(
        sa.update(Payout)
        .where(Payout.id.in_([old_paid.id, old_failed.id]))
        .values(status=sa.case((Payout.id == old_paid.id, "paid"), else_="failed"))
    )
    session.commit()
    record_results(session=session, batch_id=batch.id, actor=checker.id, results=[PayoutResult(new_paid.id, "paid")])
    report = reconciliation(session, batch.id)
    assert report["ledger"] == {
        "reserved_fen": old_paid.amount_fen + old_failed.amount_fen + new_paid.amount_fen,
        "paid_fen": old_paid.amount_fen + new_paid.amount_fen,
        "failed_returned_fen": old_failed.amount_fen,
        "cancelled_fen": 0,
        "ties_out": True,
    }
    assert report["ties_out"] is True


def test_two_different_results_for_one_payout_in_a_request_are_refused_and_nothing_is_recorded(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, _ = approved_batch(client, app, session, finance, supplier_product, shops=2)
    first, second = session.scalars(sa.select(Payout.id).order_by(Payout.id)).all()
    results = [
        PayoutResult(first, "paid", "A-1"),
        PayoutResult(second, "paid", "B-1"),
        PayoutResult(second, "failed", reason="账户已冻结"),
    ]
    with pytest.raises(ValidationFailed) as refused:
        record_results(session=session, batch_id=batch.id, actor=checker.id, results=results)
    session.rollback()
    assert refused.value.errors == [
        FieldError("results.2.status", "contradicts the paid given earlier for this payout", "contradicts")
    ]
    assert set(session.scalars(sa.select(Payout.status))) == {"pending"}
    assert postings_of(session, "payout_paid") == 0 and audited(session, batch, "settlement.results") == 0


def test_a_result_sent_again_as_it_was_changes_nothing(client, app, session, finance, supplier_product):
    _, checker = finance
    batch, _ = approved_batch(client, app, session, finance, supplier_product, shops=3)
    paid_id, failed_id, last_id = session.scalars(sa.select(Payout.id).order_by(Payout.id)).all()

    def record(*results: PayoutResult):
        return record_results(session=session, batch_id=batch.id, actor=checker.id, results=list(results))

    first = record(PayoutResult(paid_id, "paid", "R-1"), PayoutResult(failed_id, "failed", reason="账户已冻结"))
    assert first.status == "approved"
    again = record(
        PayoutResult(paid_id, "paid", "R-2"),
        PayoutResult(failed_id, "failed", reason="户名不符"),
        PayoutResult(last_id, "paid", "R-3"),
    )
    assert again.status == "partly_paid"
    assert session.execute(sa.select(Payout.external_reference, Payout.failure_reason).order_by(Payout.id)).all() == [
        ("R-1", None),
        (None, "账户已冻结"),
        ("R-3", None),
    ]
    assert (postings_of(session, "payout_paid"), postings_of(session, "payout_failed")) == (2, 1)
    entries = session.scalars(
        sa.select(AuditEntry.after).where(AuditEntry.action == "settlement.results").order_by(AuditEntry.id)
    ).all()
    assert entries == [{"paid": [paid_id], "failed": [failed_id]}, {"paid": [last_id], "failed": []}]


def test_the_payment_files_list_payees_amounts_in_yuan_and_a_total(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    with_payee(client, app, session.get(User, shop.owner_id))
    earn(client, app, session, shop, supplier_product, "A1", 123_450)  # owner 7,407 fen
    batch = compute(session, maker)
    csv_response = client.get(f"/api/v1/settlement/batches/{batch.id}/export.csv", headers=bearer(app, maker))
    rows = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["batch_id", "payout_id", "shop_id"]
    assert (rows[1][6], rows[1][7], rows[1][9]) == ("王小美", "6222020200112233", "74.07")
    assert (rows[-1][1], rows[-1][9]) == ("TOTAL", "74.07")
    xlsx = client.get(f"/api/v1/settlement/batches/{batch.id}/export.xlsx", headers=bearer(app, maker))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert [cell.value for cell in sheet[2]][9] == 74.07  # a number, shown with two decimals
    listing = client.get(f"/api/v1/settlement/batches/{batch.id}/payouts", headers=bearer(app, maker)).get_json()
    assert listing[0]["payee_account"] == "**** 2233"


def test_reconciliation_ties_out_to_the_ledger(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    report = client.get(f"/api/v1/settlement/batches/{batch.id}/reconciliation", headers=bearer(app, maker)).get_json()
    assert report["ties_out"] is True
    computed = report["computed"]
    assert (computed["claimed_fen"], computed["payouts_fen"], computed["platform_revenue_fen"]) == (6_000, 6_000, 4_000)
    assert computed["owed_by_supplier"] == [{"supplier_id": supplier_product.supplier_id, "owed_fen": 10_000}]
    assert report["results"]["awaiting_fen"] == 6_000 and report["ledger"]["reserved_fen"] == 6_000


def test_owners_cannot_touch_batches(client, app, session, finance):
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.post("/api/v1/settlement/batches", json={}, headers=bearer(app, owner)).status_code == 403
    assert client.post("/api/v1/settlement/preview", json={}, headers=bearer(app, owner)).status_code == 403


def approved_with_one_payout(client, app, session, finance, product):
    """A batch approved by the checker that pays one shop with a payee account: (batch, its payout)."""
    maker, checker = finance
    shop = make_shop(session, app)
    with_payee(client, app, session.get(User, shop.owner_id))
    earn(client, app, session, shop, product, "A1", 100_000)
    batch = compute(session, maker)
    batches.approve(session=session, batch_id=batch.id, approver=checker.id)
    return batch, session.scalars(sa.select(Payout)).one()


def upload_results(client, app, user, batch, content: bytes, **headers):
    """Upload the bank's result file, encoded anew (a fresh multipart boundary) each time, as clients do."""
    return client.post(
        f"/api/v1/settlement/batches/{batch.id}/results/file",
        headers={**bearer(app, user), **headers},
        data={"file": (io.BytesIO(content), "result.csv")},
        content_type="multipart/form-data",
    )


def test_results_can_be_uploaded_as_the_banks_csv_file(client, app, session, finance, supplier_product):
    _, checker = finance
    batch, payout = approved_with_one_payout(client, app, session, finance, supplier_product)
    upload = f"payout_id,status,external_reference,reason\n{payout.id},paid,ICBC-778,\n".encode()
    response = upload_results(client, app, checker, batch, upload)
    assert response.status_code == 200 and response.get_json()["status"] == "paid"
    session.refresh(payout)
    assert (payout.status, payout.external_reference) == ("paid", "ICBC-778")
    garbled = upload_results(client, app, checker, batch, b"id;state\n1;ok\n")
    assert garbled.status_code == 422 and garbled.get_json()["errors"][0]["rule"] == "format"


def test_a_bank_file_uploaded_again_after_the_batch_finished_changes_nothing(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, payout = approved_with_one_payout(client, app, session, finance, supplier_product)
    upload = f"payout_id,status,external_reference,reason\n{payout.id},paid,ICBC-778,\n".encode()
    assert upload_results(client, app, checker, batch, upload).get_json()["status"] == "paid"
    session.refresh(batch)
    finished_at = batch.finished_at
    again = upload_results(client, app, checker, batch, upload)  # no Idempotency-Key: the response was lost
    assert again.status_code == 200 and again.get_json()["status"] == "paid"
    session.refresh(batch)
    assert batch.finished_at == finished_at and postings_of(session, "payout_paid") == 1
    different = upload_results(client, app, checker, batch, f"payout_id,status\n{payout.id},failed\n".encode())
    assert different.status_code == 422
    errors = different.get_json()["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("results.0.status", "already_resolved")]
    session.refresh(payout)
    assert (payout.status, payout.external_reference) == ("paid", "ICBC-778")


def test_result_file_rows_that_break_the_rules_are_named_and_nothing_is_recorded(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, payout = approved_with_one_payout(client, app, session, finance, supplier_product)
    rows = [
        "payout_id,status,external_reference,reason",
        f"{payout.id},paid,{'R' * 101},",
        f"{2**63},paid,X,",
        f"{payout.id},lost,,",
    ]
    response = upload_results(client, app, checker, batch, "\n".join(rows).encode())
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [
        "results.0.external_reference",
        "results.1.payout_id",
        "results.2.status",
    ]
    session.refresh(payout)
    assert payout.status == "pending" and postings_of(session, "payout_paid") == 0


def test_a_batch_whose_computation_keeps_failing_ends_failed_with_the_reason(session, finance):
    maker, _ = finance
    batch = batches.create_batch(session=session, cutoff_at=None, created_by=maker.id)
    computing.mark_failed(session=session, batch_id=batch.id, reason="computation failed: OperationalError()")
    session.refresh(batch)
    assert (batch.status, batch.reason) == ("failed", "computation failed: OperationalError()")
    assert computing.compute_batch(session=session, batch_id=batch.id, minimum_fen=100) == "noop"


def post_with_key(client, app, user, url, key, **request):
    return client.post(url, headers={**bearer(app, user), "Idempotency-Key": key}, **request)


def audited(session, batch, action):
    """How many times action was recorded on the batch."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.subject_type == "settlement_batch", AuditEntry.subject_id == batch.id)
        .where(AuditEntry.action == action)
    )


def postings_of(session, kind):
    return session.scalar(sa.select(sa.func.count()).select_from(Posting).where(Posting.kind == kind))


def assert_replayed(first, again):
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def assert_key_reused(response):
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_cancel_sent_twice_with_one_idempotency_key_cancels_once(client, app, session, finance, supplier_product):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)
    url = f"/api/v1/settlement/batches/{batch.id}/cancel"
    first = post_with_key(client, app, maker, url, "cancel-1", json={"reason": "wrong cut-off"})
    again = post_with_key(client, app, maker, url, "cancel-1", json={"reason": "wrong cut-off"})
    assert_replayed(first, again)
    assert first.get_json()["status"] == "cancelled"
    assert audited(session, batch, "settlement.cancelled") == 1 and postings_of(session, "payout_cancel") == 1
    assert available(session, shop) == 6_000
    assert_key_reused(post_with_key(client, app, maker, url, "cancel-1", json={"reason": "another reason"}))


def test_a_release_of_held_payouts_sent_twice_with_one_idempotency_key_releases_once(
    client, app, session, finance, supplier_product
):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "A1", 100_000)
    batch = compute(session, maker)  # no payee yet: held
    with_payee(client, app, session.get(User, shop.owner_id))
    url = f"/api/v1/settlement/batches/{batch.id}/release-held"
    first = post_with_key(client, app, maker, url, "release-1")
    again = post_with_key(client, app, maker, url, "release-1")
    assert_replayed(first, again)
    assert session.scalars(sa.select(Payout.status)).one() == "pending"
    assert audited(session, batch, "settlement.released_held") == 1
    other_batch = compute(session, maker)
    other_url = f"/api/v1/settlement/batches/{other_batch.id}/release-held"
    assert_key_reused(post_with_key(client, app, maker, other_url, "release-1"))
    assert audited(session, other_batch, "settlement.released_held") == 0


def test_a_result_file_uploaded_twice_with_one_idempotency_key_is_recorded_once(
    client, app, session, finance, supplier_product
):
    _, checker = finance
    batch, payout = approved_with_one_payout(client, app, session, finance, supplier_product)

    def upload(reference: str):
        content = f"payout_id,status,external_reference,reason\n{payout.id},paid,{reference},\n".encode()
        return upload_results(client, app, checker, batch, content, **{"Idempotency-Key": "bank-file-1"})

    first, again = upload("ICBC-778"), upload("ICBC-778")
    assert_replayed(first, again)
    assert first.get_json()["status"] == "paid"
    assert audited(session, batch, "settlement.results") == 1 and postings_of(session, "payout_paid") == 1
    assert_key_reused(upload("ICBC-779"))
    session.refresh(payout)
    assert payout.external_reference == "ICBC-778"


def test_orders_paid_before_a_supplier_is_suspended_still_accrue_and_settle_after_it(
    client, app, session, finance, supplier_product
):
    maker, _ = finance
    shop = make_shop(session, app)
    with_payee(client, app, session.get(User, shop.owner_id))
    earn(client, app, session, shop, supplier_product, "A1", 100_000, release=False)  # accrued before
    admin = make_user(session, Role.ADMIN)
    suspended = client.post(
        f"/api/v1/admin/suppliers/{supplier_product.supplier_id}/decision",
        json={"action": "suspend", "reason": "质检不合格"},
        headers=bearer(app, admin),
    )
    assert suspended.status_code == 200
    # B1 was paid on 1 October as well, but its events reach distro only after the suspension.
    earn(client, app, session, shop, supplier_product, "B1", 50_000)
    owner_fen = session.scalars(sa.select(CommissionLine.owner_fen).order_by(CommissionLine.id)).all()
    assert owner_fen == [6_000, 3_000]
    batch = compute(session, maker)
    assert (batch.lines_claimed, batch.payout_total_fen) == (2, 9_000)
    payout = session.scalars(sa.select(Payout)).one()
    assert (payout.shop_id, payout.amount_fen, payout.status) == (shop.id, 9_000, "pending")
    session.refresh(supplier_product)
    assert supplier_product.in_pool is False  # the suspension holds; only the orders already paid go on
