"""Supplier dues over committed data: the cron jobs on a real worker (last month's statements issued for every supplier,
and a supplier whose sent statement is overdue beyond SUPPLIER_DUES_SUSPEND_DAYS suspended, the statement named), and
two finance users approving one remittance at once."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.clock import utcnow
from distro.db import engine_for
from distro.dues import remittances, statements
from distro.dues.jobs import issue_last_month, suspend_overdue_suppliers
from distro.ledger import services as ledger
from distro.ledger.chart import shop_account, supplier_account, supplier_deposit_account
from distro.ledger.models import Posting
from distro.queue import get_queue
from distro.suppliers.models import Supplier
from tests.dues_books import LAST_MONTH, in_month, post_at
from tests.factories import make_shop, make_supplier, make_user
from tests.integration.workers import BurstWorker


def run_worker(redis) -> None:
    BurstWorker([get_queue("periodic", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)


def test_a_real_worker_issues_last_months_statements_and_suspends_a_supplier_long_overdue(
    committed_app, committed_db, redis
):
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        _, supplier = make_supplier(session, committed_app)
        shop = make_shop(session, committed_app)
        lines = ((supplier_account(supplier.id), 10_000), (shop_account(shop.id, "pending"), -10_000))
        post_at(session, "job:accrual", "accrual", in_month(LAST_MONTH), *lines)
        finance = make_user(session, Role.FINANCE)
    issued = get_queue("periodic", redis).enqueue(issue_last_month)
    again = get_queue("periodic", redis).enqueue(issue_last_month)
    run_worker(redis)
    assert (issued.latest_result().return_value, again.latest_result().return_value) == (1, 0)
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        [row] = session.execute(statements.statements_query(supplier_id=supplier.id)).mappings().all()
        assert row["closing_fen"] == 10_000 and row["month"] == LAST_MONTH
        long_ago = utcnow() - dt.timedelta(days=60)
        statements.send(session=session, statement_id=row["id"], sender=finance.id, due_days=15, now=long_ago)
    suspension = get_queue("periodic", redis).enqueue(suspend_overdue_suppliers)
    run_worker(redis)
    assert suspension.latest_result().return_value == [supplier.id]
    with Session(engine_for(committed_db)) as session:
        suspended = session.get_one(Supplier, supplier.id)
        assert suspended.status == "suspended" and LAST_MONTH.strftime("%Y-%m") in (suspended.status_reason or "")


def test_two_finance_users_approving_one_remittance_at_once_post_it_once(committed_app, committed_db):
    engine = engine_for(committed_db)
    with Session(engine, expire_on_commit=False) as session:
        _, supplier = make_supplier(session, committed_app)
        maker, *checkers = (make_user(session, Role.FINANCE).id for _ in range(3))
        remittance_id = remittances.propose(
            session=session,
            supplier_id=supplier.id,
            amount_fen=5_000,
            bank_reference="CCB-0042",
            remitted_on=dt.date(2026, 12, 1),
            memo="",
            proposed_by=maker,
        ).id
    barrier = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def approve_as(checker_id: int) -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                approved = remittances.approve(session=session, remittance_id=remittance_id, approver=checker_id)
                results.append(approved.posting_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=approve_as, args=(checker,)) for checker in checkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1] is not None
    with Session(engine) as session:
        posted = sa.select(sa.func.count()).select_from(Posting).where(Posting.kind == "supplier_remittance")
        assert session.scalar(posted) == 1
        assert ledger.balance(session, supplier_account(supplier.id)) == -5_000
        # The cash the remittance brought, beside the deposit the factory's supplier paid in.
        assert ledger.balance(session, "cash") == 5_000 + ledger.balance(session, supplier_deposit_account(supplier.id))
