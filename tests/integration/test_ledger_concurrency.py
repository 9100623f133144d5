import threading

import sqlalchemy as sa
from sqlmodel import Session

from distro.db import engine_for
from distro.ledger import services
from distro.ledger.chart import EntryLine
from distro.ledger.models import Posting

LINES = [EntryLine("supplier:1:payable", 990), EntryLine("shop:1:pending", -700), EntryLine("platform:revenue", -290)]


def test_the_same_event_recorded_by_two_connections_at_once_posts_once(committed_db):
    engine = engine_for(committed_db)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def record() -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                posting_id = services.record_posting(session, reference="order:7:accrual", kind="accrual", lines=LINES)
                session.commit()
                results.append(posting_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Posting)) == 1
        assert services.balance(session, "shop:1:pending") == 700
