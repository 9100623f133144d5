"""A batch created through the API is computed by a real RQ worker, and retried by one when its computation
failed; `distro settle` computes one in place."""

import sqlalchemy as sa
from click.testing import CliRunner
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.cli import main
from distro.db import engine_for
from distro.queue import get_queue
from distro.settlement import jobs
from distro.settlement.models import SettlementBatch
from tests.factories import bearer, make_user
from tests.integration.test_settlement_concurrency import setup
from tests.integration.workers import BurstWorker


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
    BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
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


def test_a_batch_whose_computation_failed_is_shown_to_finance_and_retried_by_a_worker(
    committed_app, committed_db, redis
):
    batch_id, shop_ids = setup(committed_app, committed_db)
    engine = engine_for(committed_db)
    # A payout already written for the batch's first shop makes every computation of it fail for real.
    stray = sa.text(
        "INSERT INTO payouts (batch_id, shop_id, owner_id, amount_fen, status) "
        "SELECT :batch_id, id, owner_id, 1, 'held' FROM shops WHERE id = :shop_id"
    )
    with engine.begin() as connection:
        connection.execute(stray, {"batch_id": batch_id, "shop_id": shop_ids[0]})
    with Session(engine) as session:
        maker = make_user(session, Role.FINANCE)
        headers, maker_id = bearer(committed_app, maker), maker.id
        owners_headers = bearer(committed_app, make_user(session, Role.SHOP_OWNER))
    worker = BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer)
    get_queue("default", redis).enqueue(jobs.compute_settlement_batch, batch_id)  # a job out of retries
    worker.work(burst=True)

    client = committed_app.test_client()
    failed = client.get("/api/v1/settlement/batches?status=failed", headers=headers).get_json()
    assert [(batch["id"], batch["status"]) for batch in failed] == [(batch_id, "failed")]
    assert "UniqueViolation" in failed[0]["reason"]
    assert (
        client.get(f"/api/v1/settlement/batches/{batch_id}", headers=headers).get_json()["reason"]
        == failed[0]["reason"]
    )

    with engine.begin() as connection:  # finance has the cause fixed
        connection.execute(sa.text("DELETE FROM payouts WHERE batch_id = :batch_id"), {"batch_id": batch_id})
    url = f"/api/v1/settlement/batches/{batch_id}/retry"
    assert client.post(url, headers=owners_headers).status_code == 403
    retried = client.post(url, headers={**headers, "Idempotency-Key": "retry-1"})
    assert retried.status_code == 202
    assert (retried.get_json()["status"], retried.get_json()["reason"]) == ("computing", None)
    assert retried.get_json()["progress"] == {"phase": "queued"}
    replayed = client.post(url, headers={**headers, "Idempotency-Key": "retry-1"})
    assert replayed.get_json() == retried.get_json() and replayed.headers["Idempotent-Replayed"] == "true"
    again = client.post(url, headers=headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert get_queue("default", redis).count == 1  # the replay and the refusal enqueued nothing

    worker.work(burst=True)
    shown = client.get(f"/api/v1/settlement/batches/{batch_id}", headers=headers).get_json()
    assert (shown["status"], shown["payouts_count"], shown["payout_total_fen"]) == ("ready", 3, 18_000)
    report = client.get(f"/api/v1/settlement/batches/{batch_id}/reconciliation", headers=headers).get_json()
    assert report["ties_out"] is True
    trail = client.get(f"/api/v1/settlement/batches/{batch_id}/audit", headers=headers).get_json()
    assert [entry["action"] for entry in trail] == [
        "settlement.computed",
        "settlement.retried",
        "settlement.failed",
        "settlement.created",
    ]
    assert trail[1]["actor_id"] == maker_id
    assert client.post(url, headers=headers).status_code == 409  # a ready batch is not retried
