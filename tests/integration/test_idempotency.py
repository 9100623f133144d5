import datetime as dt
import io

import sqlalchemy as sa
from flask import request

from distro.auth.models import Role
from distro.clock import utcnow
from distro.idempotency import http, services
from distro.idempotency.models import IdempotencyRecord
from distro.ledger.models import Adjustment
from tests.factories import bearer, make_user

ADJUSTMENT = {
    "memo": "补偿 order 1001 运费",
    "entries": [{"account": "platform:adjustments", "amount": 500}, {"account": "cash", "amount": -500}],
}


def post(client, app, user, body=ADJUSTMENT, key="key-1"):
    headers = {**bearer(app, user), **({"Idempotency-Key": key} if key else {})}
    return client.post("/api/v1/ledger/adjustments", json=body, headers=headers)


def proposals(session):
    """How many adjustments were proposed: one per request that took effect."""
    return session.scalar(sa.select(sa.func.count()).select_from(Adjustment))


def test_the_same_key_and_body_replays_the_response_with_one_effect(client, app, session):
    finance = make_user(session, Role.FINANCE)
    first = post(client, app, finance)
    second = post(client, app, finance)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert proposals(session) == 1


def test_the_same_key_with_a_different_body_is_a_422(client, app, session):
    finance = make_user(session, Role.FINANCE)
    post(client, app, finance)
    changed = {**ADJUSTMENT, "memo": "a different adjustment"}
    response = post(client, app, finance, changed)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert proposals(session) == 1


def fingerprint_of(app, body=ADJUSTMENT):
    """The fingerprint the server computes for an adjustment POST with this body."""
    with app.test_request_context("/api/v1/ledger/adjustments", method="POST", json=body):
        return http._fingerprint()


def test_an_upload_is_fingerprinted_by_its_file_not_by_its_multipart_boundary(app):
    def fingerprint(content: bytes) -> str:
        # The test client draws a new random boundary for every request, as real clients do.
        with app.test_request_context(
            "/api/v1/settlement/batches/1/results/file",
            method="POST",
            data={"file": (io.BytesIO(content), "result.csv")},
            content_type="multipart/form-data",
        ):
            key = http._fingerprint()
            assert request.files["file"].read() == content
            return key

    assert fingerprint(b"1,paid,ICBC-1,\n") == fingerprint(b"1,paid,ICBC-1,\n") != fingerprint(b"1,paid,ICBC-2,\n")


def test_an_upload_with_a_part_that_has_no_name_is_fingerprinted_not_a_500(client, app, session):
    # Found by the contract run (test_api_contract.py): Werkzeug keys a nameless part None, which did not sort.
    finance = make_user(session, Role.FINANCE)
    boundary = "contract"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n'
        f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\ny\r\n--{boundary}--\r\n"
    )
    response = client.post(
        "/api/v1/settlement/batches/1/results/file",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={**bearer(app, finance), "Idempotency-Key": "upload-1"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "file"


def claim_left_running(session, user, key, fingerprint, locked_seconds_ago=0):
    locked_at = utcnow() - dt.timedelta(seconds=locked_seconds_ago)
    session.add(IdempotencyRecord(user_id=user.id, key=key, request_fingerprint=fingerprint, locked_at=locked_at))
    session.commit()


def test_a_retry_while_the_first_request_runs_is_a_409(client, app, session):
    finance = make_user(session, Role.FINANCE)
    claim_left_running(session, finance, "busy", fingerprint_of(app))
    response = post(client, app, finance, key="busy")
    assert response.status_code == 409
    assert proposals(session) == 0


def test_a_claim_abandoned_by_a_crashed_request_can_be_retried(client, app, session):
    finance = make_user(session, Role.FINANCE)
    lock_seconds = app.config["IDEMPOTENCY_LOCK_SECONDS"]
    claim_left_running(session, finance, "crashed", fingerprint_of(app), locked_seconds_ago=lock_seconds + 5)
    response = post(client, app, finance, key="crashed")
    assert response.status_code == 201
    assert proposals(session) == 1


def test_a_failed_request_frees_its_key(client, app, session):
    finance = make_user(session, Role.FINANCE)
    unbalanced = {
        **ADJUSTMENT,
        "entries": [{"account": "cash", "amount": 5}, {"account": "platform:adjustments", "amount": -4}],
    }
    refused = post(client, app, finance, unbalanced, key="retry-me")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["rule"] == "balanced"
    accepted = post(client, app, finance, key="retry-me")
    assert accepted.status_code == 201
    assert proposals(session) == 1


def test_keys_belong_to_their_caller(client, app, session):
    one = make_user(session, Role.FINANCE)
    other = make_user(session, Role.FINANCE)
    assert post(client, app, one, key="shared").status_code == 201
    second = post(client, app, other, key="shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert proposals(session) == 2


def test_without_a_key_each_request_takes_effect(client, app, session):
    finance = make_user(session, Role.FINANCE)
    post(client, app, finance, key=None)
    post(client, app, finance, key=None)
    assert proposals(session) == 2


def test_expired_records_are_purged(session):
    old = utcnow() - dt.timedelta(days=2)
    session.add(IdempotencyRecord(user_id=1, key="old", request_fingerprint="f", created_at=old))
    session.add(IdempotencyRecord(user_id=1, key="new", request_fingerprint="f"))
    session.commit()
    assert services.purge_expired(session=session, ttl_seconds=86400) == 1
    assert [record.key for record in session.query(IdempotencyRecord)] == ["new"]
