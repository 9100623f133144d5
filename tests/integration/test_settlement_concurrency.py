"""Settlement against committed data with real concurrency: two workers, a killed worker, a racing refund, a
payout failing while the next batch computes."""

import os
import signal
import subprocess
import sys
import threading

import sqlalchemy as sa
from sqlmodel import Session

from distro.auth.models import Role
from distro.commission import event_store, release
from distro.commission import services as commission
from distro.commission.models import CommissionLine
from distro.db import engine_for
from distro.ledger import services as ledger
from distro.ledger.models import Posting
from distro.settlement import batches, computing
from distro.settlement.models import PayeeAccount, Payout, SettlementBatch, SettlementClaim
from distro.settlement.payout_results import PayoutResult, record_results
from distro.shops.models import Shop
from tests.factories import commission_rules, make_product, make_shop, make_supplier, make_user, paid, signed_event
from tests.integration.locks import table_locked, wait_until_blocked

LATER = "2030-01-01T00:00:00+00:00"


def setup(app, url, shops=3):
    """Shops with released commission and a finance user; returns (batch id, shop ids)."""
    import datetime as dt

    engine = engine_for(url)
    client = app.test_client()
    with Session(engine) as session:
        supplier_user, _ = make_supplier(session, app)
        product = make_product(
            session, app, supplier_user, price_fen=100_000, other_platform_price_fen=100_000, commission_rate_bp=1_000
        )
        shop_ids = [make_shop(session, app, carrying=[product]).id for _ in range(shops)]
        slugs = dict(session.execute(sa.text("SELECT id, slug FROM shops")).all())
        for number, shop_id in enumerate(shop_ids):
            for event_type, data in (
                (
                    "order.paid",
                    paid(
                        f"O{number}", slugs[shop_id], [("1", product.id, 100_000)], paid_at="2026-10-01T10:00:00+08:00"
                    ),
                ),
                ("order.delivered", {"order_id": f"O{number}", "delivered_at": "2026-10-02T10:00:00+08:00"}),
            ):
                body, headers = signed_event(app, event_type, data)
                assert client.post("/webhooks/orders", data=body, headers=headers).status_code == 200
            commission.process_order(session=session, order_ref=f"O{number}", rules=commission_rules(app, session))
        release.release_due_commission(session=session, now=dt.datetime.fromisoformat(LATER))
        maker = make_user(session, Role.FINANCE)
        batch = batches.create_batch(session=session, cutoff_at=None, created_by=maker.id)
        return batch.id, shop_ids


def payouts(url):
    with Session(engine_for(url)) as session:
        return session.execute(sa.select(Payout.shop_id, Payout.amount_fen).order_by(Payout.shop_id)).all()


def test_two_workers_computing_the_same_batch_make_one_set_of_payouts(committed_app, committed_db):
    batch_id, shop_ids = setup(committed_app, committed_db)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work() -> None:
        with Session(engine_for(committed_db)) as session:
            barrier.wait()
            outcomes.append(computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["computed", "noop"]
    assert payouts(committed_db) == [(shop_id, 6_000) for shop_id in shop_ids]


def test_a_worker_killed_mid_compute_leaves_nothing_and_the_rerun_settles_each_line_once(
    committed_app, committed_db, server_urls
):
    batch_id, shop_ids = setup(committed_app, committed_db)
    engine = engine_for(committed_db)
    env = {**os.environ, "DISTRO_DATABASE_URL": committed_db, "DISTRO_REDIS_URL": server_urls["redis"]}
    with table_locked(engine, "audit_log"):  # the compute blocks after claiming lines, before committing
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-c",
                f"from distro.settlement.jobs import compute_settlement_batch; compute_settlement_batch({batch_id})",
            ],
            env=env,
        )
        wait_until_blocked(engine, "INSERT INTO audit_log")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    with Session(engine) as session:
        assert session.get(SettlementBatch, batch_id).status == "computing"
        assert session.scalar(sa.select(sa.func.count()).select_from(SettlementClaim)) == 0
        assert computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100) == "computed"
        assert computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100) == "noop"
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(SettlementClaim).where(SettlementClaim.batch_id == batch_id)
            )
            == 3
        )
    assert payouts(committed_db) == [(shop_id, 6_000) for shop_id in shop_ids]


def test_a_refund_racing_the_compute_is_settled_then_clawed_back_never_both_never_lost(committed_app, committed_db):
    batch_id, shop_ids = setup(committed_app, committed_db, shops=1)
    engine = engine_for(committed_db)
    with Session(engine) as reader:
        rules = commission_rules(committed_app, reader)
    computed: list[str] = []
    compute = threading.Thread(
        target=lambda: computed.append(
            computing.compute_batch(session=Session(engine), batch_id=batch_id, minimum_fen=100)
        )
    )
    with table_locked(engine, "audit_log"):
        compute.start()
        wait_until_blocked(engine, "INSERT INTO audit_log")  # the compute has claimed the line, not committed
        body, headers = signed_event(
            committed_app,
            "order.refunded",
            {
                "order_id": "O0",
                "refund_id": "r1",
                "refunded_at": "2026-12-01T10:00:00+08:00",
                "lines": [{"line_id": "1", "amount_fen": 100_000}],
            },
        )
        assert committed_app.test_client().post("/webhooks/orders", data=body, headers=headers).status_code == 200
        refunded: list[str] = []
        refund = threading.Thread(
            target=lambda: refunded.append(
                commission.process_order(session=Session(engine), order_ref="O0", rules=rules)
            )
        )
        refund.start()
        wait_until_blocked(engine, "pg_advisory_xact_lock_shared")  # the refund waits for the compute to end
    compute.join(timeout=30)
    refund.join(timeout=30)
    assert computed == ["computed"] and refunded == ["processed"]
    with Session(engine) as session:
        line = session.scalars(sa.select(CommissionLine)).one()
        claim = session.get(SettlementClaim, line.id)
        assert (claim.batch_id, line.owner_fen) == (batch_id, 0)
        assert session.scalars(sa.select(Posting.kind).order_by(Posting.id.desc())).first() == "clawback"
        # Paid out 6,000 and clawed back 6,000: the shop owes it back, netted in the next batch.
        assert payouts(committed_db) == [(shop_ids[0], 6_000)]
        assert ledger.balance(session, f"shop:{shop_ids[0]}:available") == -6_000
        assert ledger.trial_balance(session)["total"] == 0


def test_a_failed_payout_recorded_while_a_batch_computes_is_brought_forward_by_that_batch_in_full(
    committed_app, committed_db
):
    batch_id, shop_ids = setup(committed_app, committed_db, shops=1)
    engine = engine_for(committed_db)
    with Session(engine) as session:
        owner_id = session.scalars(sa.select(Shop.owner_id).where(Shop.id == shop_ids[0])).one()
        session.add(PayeeAccount(owner_id=owner_id, kind="alipay", account_name="甲", account_number="13800000001"))
        session.commit()
        assert computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100) == "computed"
        checker = make_user(session, Role.FINANCE)
        checker_id = checker.id
        batches.approve(session=session, batch_id=batch_id, approver=checker_id)
        payout_id = session.scalars(sa.select(Payout.id).where(Payout.batch_id == batch_id)).one()
        # Half of the order paid out is refunded: a clawback of 3,000.
        event_store.store_event(
            session=session,
            event_id="O0-refund",
            event_type="order.refunded",
            order_ref="O0",
            data={
                "order_id": "O0",
                "refund_id": "r1",
                "refunded_at": "2026-12-01T10:00:00+08:00",
                "lines": [{"line_id": "1", "amount_fen": 50_000}],
            },
        )
        commission.process_order(session=session, order_ref="O0", rules=commission_rules(committed_app, session))
        next_batch = batches.create_batch(session=session, cutoff_at=None, created_by=checker_id).id

    def fail_the_payout() -> None:
        with Session(engine) as session:
            result = PayoutResult(payout_id, "failed", reason="账户已冻结")
            record_results(session=session, batch_id=batch_id, actor=checker_id, results=[result])

    def compute_the_next() -> None:
        with Session(engine) as session:
            computing.compute_batch(session=session, batch_id=next_batch, minimum_fen=100)

    failing, computing_next = threading.Thread(target=fail_the_payout), threading.Thread(target=compute_the_next)
    with table_locked(engine, "audit_log"):  # the result is posted, not committed
        failing.start()
        wait_until_blocked(engine, "INSERT INTO audit_log")
        computing_next.start()
        wait_until_blocked(engine, "pg_advisory_xact_lock(hashtext")  # the computation waits for the result
    failing.join(timeout=30)
    computing_next.join(timeout=30)
    with Session(engine) as session:
        computed = session.get(SettlementBatch, next_batch).reconciliation
    names = ("brought_forward", "claimed", "netted_clawbacks", "carried_forward", "payouts", "clawbacks_outstanding")
    assert [computed[f"{name}_fen"] for name in names] == [6_000, 0, 3_000, 0, 3_000, 0]
