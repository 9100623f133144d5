"""A batch created through the API is computed by a real RQ worker; `distro settle` computes one in place."""

from click.testing import CliRunner
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.cli import main
from distro.db import engine_for
from distro.queue import get_queue
from distro.settlement.models import SettlementBatch
from tests.factories import bearer, make_user
from tests.integration.test_settlement_concurrency import setup


def test_a_batch_created_through_the_api_is_computed_by_a_worker(committed_app, committed_db, redis):
    batch_id, _ = setup(committed_app, committed_db)
    with Session(engine_for(committed_db)) as session:
        maker = make_user(session, Role.FINANCE)
        headers = {**bearer(committed_app, maker), "Idempotency-Key": "batch-2026-11"}
    client = committed_app.test_client()
    created = client.post("/api/v1/settlement/batches", json={}, headers=headers)
    again = client.post("/api/v1/settlement/batches", json={}, headers=headers)
    assert created.status_code == 202 and again.get_json()["id"] == created.get_json()["id"]
    new_id = created.get_json()["id"]
    assert created.get_json()["progress"] == {"phase": "queued"}
    SimpleWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    with Session(engine_for(committed_db)) as session:
        assert session.get(SettlementBatch, new_id).status == "ready"
        assert session.get(SettlementBatch, batch_id).status == "computing"  # setup's batch was never enqueued
    shown = client.get(f"/api/v1/settlement/batches/{new_id}", headers=headers).get_json()
    assert (shown["lines_claimed"], shown["payouts_count"], shown["payout_total_fen"]) == (3, 3, 18_000)
    assert shown["progress"] is None


def test_distro_settle_computes_a_batch_with_a_progress_bar(committed_app, committed_db, monkeypatch):
    setup(committed_app, committed_db)
    with Session(engine_for(committed_db)) as session:
        make_user(session, Role.FINANCE, email="cashier@example.cn")
    monkeypatch.setenv("DISTRO_DATABASE_URL", committed_db)
    result = CliRunner().invoke(main, ["settle", "--as", "cashier@example.cn"])
    assert result.exit_code == 0, result.output
    assert "ready: 3 lines, 3 payouts (3 held) totalling 18000 fen" in result.output
    refused = CliRunner().invoke(main, ["settle", "--as", "nobody@example.cn"])
    assert refused.exit_code != 0 and "not a finance user" in refused.output
