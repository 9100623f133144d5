"""Throttling through the app, on the real Redis: sign-in locks per account and per address, sign-ups and SMS codes
per address, API calls per token's account; never webhooks or health checks; Redis away never refuses a sign-in."""

import json
import logging

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from distro.app import create_app
from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.auth.phones import attach_verified_phone
from distro.auth.signins import FAILED_SIGN_IN, NO_ACCOUNT, NOT_A_LOGIN
from distro.db import engine_for
from distro.settings import ConfigurationError
from tests.factories import PASSWORD, bearer, make_user, paid, signed_event

PROBLEM = "application/problem+json"
WRONG = "wrong-password-123"
PHONE = "13800000021"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def sign_in(client, email, password=PASSWORD, **options):
    body = {"grant_type": "password", "email": email, "password": password}
    return client.post("/api/v1/auth/token", json=body, **options)


def page_sign_in(client, login, password=PASSWORD):
    return client.post("/login", data={"login": login, "password": password})


def time_passes(redis, seconds: int) -> None:
    """Move the throttle's clock on by seconds: counters whose window ends meanwhile go, the others keep less of it."""
    for key in redis.scan_iter("LIMITS:*"):
        left = redis.pttl(key)
        if left <= seconds * 1000:
            redis.delete(key)
        else:
            redis.pexpire(key, left - seconds * 1000)


def retry_after(response) -> int:
    """The Retry-After of a 429, checked to be whole seconds and, for a problem, the same as its retry_after.

    It is never early, so it may be a second past the window's end (the TTL Redis gives is rounded): bounds below
    allow that second.
    """
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    if response.content_type == PROBLEM:
        assert response.get_json()["retry_after"] == seconds
    return seconds


def test_thirty_wrong_passwords_lock_the_account_after_five_and_the_right_one_waits_for_the_lock_to_pass(
    client, session, redis
):
    make_user(session, email="mei@example.cn")
    answers = [sign_in(client, "mei@example.cn", WRONG) for _ in range(30)]
    assert [answer.status_code for answer in answers[:5]] == [401] * 5
    for locked in answers[5:]:
        assert locked.status_code == 429 and locked.content_type == PROBLEM
        assert locked.get_json()["type"] == "urn:distro:problem:too-many-requests"
        assert 1 <= retry_after(locked) <= 15 * 60 + 1
    assert retry_after(sign_in(client, "mei@example.cn")) <= 15 * 60 + 1
    time_passes(redis, 15 * 60)
    assert sign_in(client, "mei@example.cn").status_code == 200


def test_each_lock_lasts_longer_than_the_one_before(client, session, redis):
    make_user(session, email="mei@example.cn")
    waits = []
    for _ in range(3):
        assert [sign_in(client, "mei@example.cn", WRONG).status_code for _ in range(5)] == [401] * 5
        waits.append(retry_after(sign_in(client, "mei@example.cn")))
        time_passes(redis, waits[-1])
    # 15 minutes, the rest of the hour, the rest of 6 hours (counted from the first failure)
    assert waits[0] <= 15 * 60 + 1 < waits[1] <= 45 * 60 + 1 < waits[2] <= 5 * 3600 + 1
    assert sign_in(client, "mei@example.cn").status_code == 200


def test_a_locked_account_leaves_another_account_from_the_same_address_alone(client, session):
    make_user(session, email="mei@example.cn")
    make_user(session, email="lan@example.cn")
    for _ in range(6):
        sign_in(client, "mei@example.cn", WRONG)
    assert sign_in(client, "mei@example.cn").status_code == 429
    assert sign_in(client, "lan@example.cn", WRONG).status_code == 401
    assert sign_in(client, "lan@example.cn").status_code == 200


def test_only_failures_count_and_a_success_does_not_wipe_them(client, session):
    make_user(session, email="mei@example.cn")
    assert {sign_in(client, "mei@example.cn").status_code for _ in range(8)} == {200}
    assert [sign_in(client, "mei@example.cn", WRONG).status_code for _ in range(4)] == [401] * 4
    assert sign_in(client, "mei@example.cn").status_code == 200  # four failures do not slow the owner
    assert sign_in(client, "mei@example.cn", WRONG).status_code == 401
    assert sign_in(client, "mei@example.cn").status_code == 429  # the fifth, after the success, locks


def test_a_login_without_an_account_is_locked_alike(client):
    assert [sign_in(client, "nobody@example.cn", WRONG).status_code for _ in range(5)] == [401] * 5
    assert sign_in(client, "nobody@example.cn", WRONG).status_code == 429


def test_the_sign_in_page_says_in_chinese_how_many_minutes_to_wait_and_the_api_is_locked_too(app, client, session):
    owner = make_user(session, email="mei@example.cn")
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    for _ in range(5):
        assert page_sign_in(client, PHONE, WRONG).status_code == 422
    locked = page_sign_in(client, "+86 138-0000-0021")
    assert 1 <= retry_after(locked) <= 15 * 60 + 1
    page = locked.get_data(as_text=True)
    assert "尝试次数过多，请 15 分钟后再试" in page and 'aria-invalid="true"' in page
    # One budget per account: the failures by phone on the pages lock its email on the API.
    assert sign_in(client, "mei@example.cn").status_code == 429
    assert client.get("/my").status_code == 302


def test_failed_sign_ins_from_one_address_on_many_accounts_lock_that_address_only(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_SIGN_IN_PER_ADDRESS", "3 per 15 minutes")
    for number in range(3):
        make_user(session, email=f"user-{number}@example.cn")
        assert sign_in(client, f"user-{number}@example.cn", WRONG).status_code == 401
    make_user(session, email="lan@example.cn")
    refused = sign_in(client, "lan@example.cn")
    assert refused.get_json()["detail"].startswith("Too many failed sign-ins from this address")
    assert retry_after(refused) <= 15 * 60 + 1
    assert sign_in(client, "lan@example.cn", environ_base=ELSEWHERE).status_code == 200


def test_sign_ups_are_limited_per_address_refused_ones_included(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_SIGN_UP_PER_ADDRESS", "3 per hour")

    def sign_up(email, **options):
        body = {"email": email, "password": PASSWORD, "display_name": "小美", "roles": ["shop_owner"]}
        return client.post("/api/v1/auth/signup", json=body, **options)

    assert [sign_up(email).status_code for email in ("a@example.cn", "b@example.cn", "a@example.cn")] == [
        201,
        201,
        409,
    ]
    refused = sign_up("c@example.cn")
    assert refused.content_type == PROBLEM and 1 <= retry_after(refused) <= 3600 + 1
    assert sign_up("c@example.cn", environ_base=ELSEWHERE).status_code == 201


def test_sms_codes_sent_are_limited_per_address_whichever_accounts_ask(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_PHONE_CODES_PER_ADDRESS", "2 per hour")
    owners = [make_user(session) for _ in range(4)]

    def ask(owner, phone, **options):
        return client.post("/api/v1/me/phone", json={"phone": phone}, headers=bearer(app, owner), **options)

    assert ask(owners[0], "13800000031").status_code == 202
    assert ask(owners[0], "13800000031").status_code == 429  # the phone's own limit: one a minute
    assert ask(owners[1], "13800000032").status_code == 202
    refused = ask(owners[2], "13800000033")
    assert refused.get_json()["detail"].startswith("Too many verification codes sent from this address")
    assert 1 <= retry_after(refused) <= 3600 + 1
    assert ask(owners[3], "13800000034", environ_base=ELSEWHERE).status_code == 202


def test_api_calls_are_limited_per_account_whatever_its_tokens(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "THROTTLE_API_PER_TOKEN", "3 per minute")
    mei, lan = make_user(session), make_user(session)
    assert [client.get("/api/v1/me", headers=bearer(app, mei)).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/me", headers=bearer(app, mei))
    assert refused.content_type == PROBLEM and 1 <= retry_after(refused) <= 60 + 1
    assert client.get("/api/v1/me", headers=bearer(app, lan)).status_code == 200
    # Calls without a valid token are not counted against anyone.
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_webhooks_and_health_checks_are_never_throttled(app, client, session, monkeypatch):
    for name in ("THROTTLE_API_PER_TOKEN", "THROTTLE_SIGN_IN_PER_ADDRESS", "THROTTLE_SIGN_UP_PER_ADDRESS"):
        monkeypatch.setitem(app.config, name, "1 per day")
    owner = make_user(session)
    assert [client.get("/api/v1/me", headers=bearer(app, owner)).status_code for _ in range(2)] == [200, 429]
    body, headers = signed_event(app, "order.paid", paid("T1", None, [("1", 1, 100)]), event_id="evt_t1")
    assert {client.post("/webhooks/orders", data=body, headers=headers).status_code for _ in range(5)} == {200}
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_failed_sign_ins_are_in_the_audit_log_with_the_login_and_address_never_the_password(app, client, session):
    owner = make_user(session, email="mei@example.cn")
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    sign_in(client, "Mei@Example.cn", WRONG, environ_base=ELSEWHERE)
    page_sign_in(client, PHONE, "wrong-page-password")
    page_sign_in(client, "13800000099", "wrong-unknown-password")
    page_sign_in(client, "my-secret-typed-in-the-wrong-box", PASSWORD)
    assert sign_in(client, "mei@example.cn").status_code == 200  # a success is no entry
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == FAILED_SIGN_IN).order_by(AuditEntry.id))
    assert [(entry.subject_type, entry.subject_id, entry.actor_id, entry.after) for entry in entries] == [
        ("user", owner.id, None, {"login": "mei@example.cn", "address": "203.0.113.7", "via": "api"}),
        ("user", owner.id, None, {"login": "138****0021", "address": "127.0.0.1", "via": "page"}),
        (NO_ACCOUNT, 0, None, {"login": "138****0099", "address": "127.0.0.1", "via": "page"}),
        (NO_ACCOUNT, 0, None, {"login": NOT_A_LOGIN, "address": "127.0.0.1", "via": "page"}),
    ]
    everything = json.dumps([entry.after for entry in session.scalars(sa.select(AuditEntry))])
    for secret in (WRONG, "wrong-page-password", "wrong-unknown-password", "my-secret", PASSWORD):
        assert secret not in everything


def test_with_redis_away_sign_in_still_works_counted_in_memory_and_the_limiter_warns_once(
    committed_db, tmp_path, caplog
):
    away = create_app({"DATABASE_URL": committed_db, "REDIS_URL": f"unix://{tmp_path}/no-redis.sock?db=0"})
    with Session(engine_for(committed_db)) as session:
        make_user(session, email="mei@example.cn")
        make_user(session, email="lan@example.cn")
    client = away.test_client()
    with caplog.at_level(logging.WARNING):
        assert [sign_in(client, "mei@example.cn").status_code for _ in range(3)] == [200] * 3
        assert [sign_in(client, "lan@example.cn", WRONG).status_code for _ in range(5)] == [401] * 5
        # The process still counts by itself until Redis answers.
        assert sign_in(client, "lan@example.cn").status_code == 429
        assert sign_in(client, "mei@example.cn").status_code == 200
    limiter_warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name == "flask-limiter" and record.levelno >= logging.WARNING
    ]
    assert limiter_warnings == ["Rate limit storage unreachable - falling back to in-memory storage"]


def test_a_throttle_setting_that_is_no_limit_stops_the_app_from_starting(database_url, server_urls):
    with pytest.raises(ConfigurationError, match="DISTRO_THROTTLE_API_PER_TOKEN"):
        create_app(
            {"DATABASE_URL": database_url, "REDIS_URL": server_urls["redis"], "THROTTLE_API_PER_TOKEN": "lots"},
            check_migrations=False,
        )


def test_a_deactivated_owner_typing_the_right_password_is_not_locked_out_once_reactivated(app, client, session, redis):
    admin = make_user(session, Role.ADMIN, email="boss@example.cn")
    owner = make_user(session, email="mei@example.cn")
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    client.post(f"/api/v1/admin/users/{owner.id}/deactivate", json={"reason": "盗号"}, headers=bearer(app, admin))

    for _ in range(6):  # more than the five failures that lock an account
        assert page_sign_in(client, PHONE).status_code == 422
        assert sign_in(client, "mei@example.cn").status_code == 401
    client.post(f"/api/v1/admin/users/{owner.id}/reactivate", json={"reason": "申诉"}, headers=bearer(app, admin))

    assert sign_in(client, "mei@example.cn").status_code == 200
    assert page_sign_in(client, PHONE).status_code == 303


@pytest.mark.parametrize(("hops", "recorded"), [(0, "127.0.0.1"), (1, "198.51.100.4")])
def test_a_refused_sign_in_is_recorded_at_the_forwarded_address_only_behind_as_many_proxies_as_trusted(
    committed_db, server_urls, redis, hops, recorded
):
    app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": server_urls["redis"], "TRUSTED_PROXY_HOPS": hops})
    with Session(engine_for(committed_db)) as session:
        email = make_user(session, Role.SHOP_OWNER).email
    # What a client typed first is what it claims; the proxy appends the address it saw, the last one.
    forwarded = {"X-Forwarded-For": "10.9.9.9, 198.51.100.4"}
    assert sign_in(app.test_client(), email, WRONG, headers=forwarded).status_code == 401
    with Session(engine_for(committed_db)) as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == FAILED_SIGN_IN)).one()
        assert entry.after["address"] == recorded
