"""Issue 13's findings: a posting a flow made is never reversed by hand, and no finance user moves money alone.

Each test goes through the API as the outside check did, so it runs unchanged against the code before the fix
(and fails there).
"""

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.commission.models import CommissionLine
from distro.ledger import services as ledger
from distro.ledger.models import Posting
from distro.ledger.rules import POSTING_KINDS
from distro.settlement import batches
from distro.settlement.models import Payout
from distro.settlement.payout_results import PayoutResult, record_results
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.test_settlement import approved_batch, approved_with_one_payout, compute, earn, refund

PROBLEM = "application/problem+json"


@pytest.fixture
def finance(session):
    """Two finance users: a maker and a checker."""
    return make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)


@pytest.fixture
def product(app, session):
    """A product at a 10% commission: a sale of 100,000 fen earns a new shop's owner 6,000."""
    supplier_user, _ = make_supplier(session, app)
    return make_product(
        session, app, supplier_user, price_fen=100_000, other_platform_price_fen=100_000, commission_rate_bp=1_000
    )


def pay_a_batch(client, app, session, finance, product):
    """A batch made by the maker and approved by the checker, whose one payout the bank paid: (batch, shop id)."""
    batch, payout = approved_with_one_payout(client, app, session, finance, product)
    results = [PayoutResult(payout.id, "paid")]
    record_results(session=session, batch_id=batch.id, results=results, actor=finance[1].id)
    return batch, payout.shop_id


def posting_of(session, kind):
    """The id of the first posting of this kind."""
    return session.scalars(sa.select(Posting.id).where(Posting.kind == kind).order_by(Posting.id)).first()


def postings(session):
    return session.scalar(sa.select(sa.func.count()).select_from(Posting))


def reverse(client, app, user, posting_id):
    return client.post(
        f"/api/v1/ledger/postings/{posting_id}/reversal", json={"memo": "paid twice?"}, headers=bearer(app, user)
    )


def credit(shop, fen):
    """An adjustment crediting the shop's available balance at the platform's expense."""
    return {
        "memo": "goodwill credit",
        "entries": [
            {"account": f"shop:{shop.id}:available", "amount": -fen},
            {"account": "platform:adjustments", "amount": fen},
        ],
    }


def assert_refused_naming(response, flow):
    assert response.status_code == 409 and response.content_type == PROBLEM
    problem = response.get_json()
    assert problem["corrected_by"] == flow and flow in problem["detail"]


def test_reversing_a_paid_batchs_reservation_is_refused_and_the_next_batch_pays_nothing_again(
    client, app, session, finance, product
):
    maker, _ = finance
    paid_batch, shop_id = pay_a_batch(client, app, session, finance, product)
    assert paid_batch.payout_total_fen == 6_000
    before = postings(session)
    for user in finance:
        assert_refused_naming(reverse(client, app, user, posting_of(session, "payout_reserve")), "settlement")
    assert postings(session) == before
    assert ledger.balance(session, f"shop:{shop_id}:available") == 0
    next_batch = compute(session, maker)
    assert (next_batch.payouts_count, next_batch.payout_total_fen) == (0, 0)


def test_reversing_a_commission_accrual_is_refused_and_the_line_and_ledger_still_agree(
    client, app, session, finance, product
):
    maker, _ = finance
    shop = make_shop(session, app)
    earn(client, app, session, shop, product, "A1", 100_000, release=False)
    response = reverse(client, app, maker, posting_of(session, "accrual"))
    assert_refused_naming(response, "order processing")
    line = session.scalars(sa.select(CommissionLine)).one()
    assert (line.stage, line.owner_fen) == ("pending", 6_000)
    assert ledger.balance(session, f"shop:{shop.id}:pending") == 6_000


@pytest.mark.parametrize("kind", ["release", "payout_paid"])
def test_reversing_any_other_posting_a_flow_made_is_refused(client, app, session, finance, product, kind):
    pay_a_batch(client, app, session, finance, product)
    response = reverse(client, app, finance[0], posting_of(session, kind))
    assert_refused_naming(response, "the commission release" if kind == "release" else "settlement")


def test_every_kind_of_posting_the_flows_make_is_in_the_rule_table(client, app, session, finance, product):
    maker, checker = finance
    batch, shops = approved_batch(client, app, session, finance, product, shops=2)  # orders A1 and A2
    paying, failing = session.scalars(sa.select(Payout).order_by(Payout.shop_id)).all()
    results = [PayoutResult(paying.id, "paid"), PayoutResult(failing.id, "failed")]
    record_results(session=session, batch_id=batch.id, results=results, actor=checker.id)
    refund(client, app, session, "A1", 50_000)  # after settlement: a clawback
    batches.cancel(session=session, batch_id=compute(session, maker).id, reason="wrong cut-off", actor=maker.id)
    earn(client, app, session, shops[0], product, "B1", 100_000, release=False)
    refund(client, app, session, "B1", 50_000)  # before release: a reversal
    kinds = set(session.scalars(sa.select(Posting.kind).distinct()))
    assert kinds == {
        "accrual",
        "reversal",
        "clawback",
        "release",
        "payout_reserve",
        "payout_paid",
        "payout_failed",
        "payout_cancel",
        "deposit_paid",  # the supplier's deposit, paid in as it was admitted
    }
    assert kinds <= set(POSTING_KINDS)
    for kind in kinds:
        refused = reverse(client, app, maker, posting_of(session, kind))
        assert_refused_naming(refused, POSTING_KINDS[kind].maker)


def test_one_finance_user_cannot_make_an_adjustment_take_effect_alone(client, app, session, finance):
    maker, checker = finance
    shop = make_shop(session, app)
    proposed = client.post("/api/v1/ledger/adjustments", json=credit(shop, 500_000), headers=bearer(app, maker))
    assert proposed.status_code == 201
    assert ledger.balance(session, f"shop:{shop.id}:available") == 0 and postings(session) == 0
    adjustment = proposed.get_json()
    assert (adjustment["status"], adjustment["posting_id"]) == ("proposed", None)
    approve = f"/api/v1/ledger/adjustments/{adjustment['id']}/approve"
    alone = client.post(approve, headers=bearer(app, maker))
    assert alone.status_code == 403 and alone.content_type == PROBLEM
    assert ledger.balance(session, f"shop:{shop.id}:available") == 0 and postings(session) == 0
    approved = client.post(approve, headers=bearer(app, checker))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert ledger.balance(session, f"shop:{shop.id}:available") == 500_000


def test_one_finance_user_cannot_reverse_an_adjustment_alone(client, app, session, finance):
    maker, checker = finance
    shop = make_shop(session, app)
    proposed = client.post("/api/v1/ledger/adjustments", json=credit(shop, 500), headers=bearer(app, maker)).get_json()
    posted = client.post(f"/api/v1/ledger/adjustments/{proposed['id']}/approve", headers=bearer(app, checker))
    reversal = reverse(client, app, maker, posted.get_json()["posting_id"])
    assert reversal.status_code == 201 and reversal.get_json()["status"] == "proposed"
    assert ledger.balance(session, f"shop:{shop.id}:available") == 500
    alone = client.post(f"/api/v1/ledger/adjustments/{reversal.get_json()['id']}/approve", headers=bearer(app, maker))
    assert alone.status_code == 403
    assert ledger.balance(session, f"shop:{shop.id}:available") == 500
