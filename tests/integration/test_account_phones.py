"""An account's phone, verified by a code sent by SMS (the demo sender is the test double)."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from distro import migrate
from distro.app import create_app
from distro.auth import phones
from distro.auth.models import PhoneCode, User
from distro.auth.sms import DemoSmsSender, NoSmsSender, demo_outbox
from distro.db import engine_for
from distro.errors import Conflict, TooManyRequests, Unavailable, ValidationFailed
from distro.phones import phone_reference
from distro.storefront.services import place_order
from tests import factories
from tests.factories import add_to_shop, bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.locks import table_locked, wait_until_blocked

PROBLEM = "application/problem+json"
PHONE = "13812345678"


def last_code(phone: str = PHONE) -> str:
    """The code the demo sender last texted to phone."""
    return factories.last_code(phone)


def codes_sent(phone: str = PHONE) -> int:
    return factories.codes_sent(phone)


def send(session, app, user, phone=PHONE, now=None):
    return phones.send_code(
        session=session,
        user_id=user.id,
        phone=phone,
        secret=app.config["SECRET_KEY"],
        sender=DemoSmsSender(),
        now=now,
    )


def verify(session, app, user, code, phone=PHONE, now=None):
    return phones.verify_phone(
        session=session, user_id=user.id, phone=phone, code=code, secret=app.config["SECRET_KEY"], now=now
    )


def test_an_owner_texted_a_code_verifies_their_phone_and_sees_it_masked_on_their_account(app, client, session):
    owner = make_user(session)
    auth = bearer(app, owner)
    assert client.get("/api/v1/me", headers=auth).get_json()["phone_verified"] is False
    sent = client.post("/api/v1/me/phone", json={"phone": "+86 138-1234-5678"}, headers=auth)
    assert sent.status_code == 202
    assert sent.get_json() == {"phone_masked": "138****5678", "expires_in": 600, "resend_after": 60}
    verified = client.post("/api/v1/me/phone/verify", json={"phone": PHONE, "code": last_code()}, headers=auth)
    assert verified.status_code == 200
    me = client.get("/api/v1/me", headers=auth).get_json()
    assert (me["phone_masked"], me["phone_verified"]) == ("138****5678", True)
    assert verified.get_json()["phone_verified_at"] == me["phone_verified_at"] is not None
    session.refresh(owner)
    assert owner.phone_reference == phone_reference(PHONE, app.config["SECRET_KEY"])


def test_neither_the_account_nor_the_stored_code_holds_the_number_or_the_code_in_the_clear(app, session):
    owner = make_user(session)
    send(session, app, owner)
    code = last_code()
    stored = session.execute(sa.text("SELECT * FROM phone_codes")).one()
    assert PHONE not in " ".join(map(str, stored)) and code not in map(str, stored)
    verify(session, app, owner, code)
    account = session.execute(sa.text("SELECT * FROM users WHERE id = :id"), {"id": owner.id}).one()
    assert PHONE not in " ".join(map(str, account))


def test_the_owners_verified_phone_is_the_buyer_reference_of_their_own_checkout(app, session):
    supplier_user, _ = make_supplier(session, app)
    product = make_product(session, app, supplier_user)
    owner, stranger = make_user(session), make_user(session)
    shop = make_shop(session, app, owner)
    add_to_shop(session, app, owner, shop, product)
    phones.attach_verified_phone(
        session=session, user_id=owner.id, phone="138 1234 5678", secret=app.config["SECRET_KEY"]
    )
    checkout = place_order(
        session=session,
        slug=shop.slug,
        product_id=product.id,
        sku=None,
        quantity=1,
        name="王小美",
        phone=PHONE,
        address="杭州市西湖区文三路 1 号",
        share_code=None,
        provider_name="demo",
        secret=app.config["SECRET_KEY"],
    )
    references = session.execute(sa.select(User.id, User.phone_reference).where(User.id.in_([owner.id, stranger.id])))
    assert {user_id: reference for user_id, reference in references if reference} == {
        owner.id: checkout.buyer_reference
    }


def test_a_wrong_code_is_a_422_on_code_that_leaves_the_account_without_a_phone(app, client, session):
    owner = make_user(session)
    auth = bearer(app, owner)
    client.post("/api/v1/me/phone", json={"phone": PHONE}, headers=auth)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = client.post("/api/v1/me/phone/verify", json={"phone": PHONE, "code": wrong}, headers=auth)
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert response.get_json()["errors"] == [
        {"field": "code", "rule": "mismatch", "message": "is not the code sent; 4 tries left"}
    ]
    me = client.get("/api/v1/me", headers=auth).get_json()
    assert (me["phone_masked"], me["phone_verified"]) == (None, False)


def test_after_five_wrong_codes_even_the_right_one_no_longer_verifies(app, session):
    owner = make_user(session)
    send(session, app, owner)
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    rules = []
    for _ in range(5):
        with pytest.raises(ValidationFailed) as refused:
            verify(session, app, owner, wrong)
        rules.append(refused.value.errors[0].rule)
    with pytest.raises(ValidationFailed) as refused:
        verify(session, app, owner, right)
    assert rules == ["mismatch"] * 5 and refused.value.errors[0].rule == "attempts"
    assert session.get(User, owner.id).phone_reference is None  # type: ignore[union-attr]


def test_a_code_verifies_for_ten_minutes_and_then_has_expired(app, session):
    owner, other = make_user(session), make_user(session)
    sent_at = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    send(session, app, owner, now=sent_at)
    send(session, app, other, phone="13912345678", now=sent_at)
    with pytest.raises(ValidationFailed) as refused:
        verify(session, app, owner, last_code(), now=sent_at + dt.timedelta(minutes=10))
    assert refused.value.errors[0].as_dict() == {
        "field": "code",
        "rule": "expired",
        "message": "has expired; ask for a new one",
    }
    verified = verify(session, app, other, last_code("13912345678"), "13912345678", sent_at + dt.timedelta(minutes=9))
    assert verified.phone_masked == "139****5678"


def test_only_the_latest_code_sent_verifies_and_only_once(app, session):
    owner = make_user(session)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    send(session, app, owner, now=start)
    first = last_code()
    send(session, app, owner, now=start + dt.timedelta(seconds=61))
    second = last_code()
    if first != second:
        with pytest.raises(ValidationFailed):
            verify(session, app, owner, first, now=start + dt.timedelta(seconds=70))
    verify(session, app, owner, f" {second} ", now=start + dt.timedelta(seconds=71))
    with pytest.raises(ValidationFailed) as refused:
        verify(session, app, owner, second, now=start + dt.timedelta(seconds=72))
    assert refused.value.errors[0].rule == "not_sent"


def test_a_code_for_a_phone_never_texted_is_a_422_on_code(app, client, session):
    owner = make_user(session)
    response = client.post(
        "/api/v1/me/phone/verify", json={"phone": PHONE, "code": "123456"}, headers=bearer(app, owner)
    )
    assert response.status_code == 422
    assert [(error["field"], error["rule"]) for error in response.get_json()["errors"]] == [("code", "not_sent")]


def test_a_second_code_to_one_phone_within_a_minute_is_a_429_saying_when_to_ask_again(app, client, session):
    owner, other = make_user(session), make_user(session)
    client.post("/api/v1/me/phone", json={"phone": PHONE}, headers=bearer(app, owner))
    before = codes_sent()
    # Another account asking for the same phone is held to the same minute: a phone cannot be flooded.
    response = client.post("/api/v1/me/phone", json={"phone": "138 1234 5678"}, headers=bearer(app, other))
    assert response.status_code == 429 and response.content_type == PROBLEM
    problem = response.get_json()
    assert 1 <= problem["retry_after"] <= 60 and response.headers["Retry-After"] == str(problem["retry_after"])
    assert problem["detail"].startswith("A code was just sent to this phone")
    assert codes_sent() == before
    assert session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 1


def test_the_eleventh_code_to_a_phone_in_24_hours_waits_until_the_first_leaves_the_window(app, session):
    owner = make_user(session)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    for minute in range(10):
        send(session, app, owner, now=start + dt.timedelta(minutes=minute))
    eleventh = start + dt.timedelta(minutes=10)
    with pytest.raises(TooManyRequests) as refused:
        send(session, app, owner, now=eleventh)
    assert refused.value.retry_after == 24 * 3600 - 600
    assert "10 codes were sent to this phone in 24 hours" in refused.value.detail
    assert send(session, app, owner, now=start + dt.timedelta(days=1)).phone_masked == "138****5678"


def test_one_account_texts_at_most_ten_codes_a_day_whatever_the_phones(app, session):
    owner = make_user(session)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    for n in range(10):
        send(session, app, owner, phone=f"1390000000{n}", now=start)
    with pytest.raises(TooManyRequests) as refused:
        send(session, app, owner, phone="13700000000", now=start + dt.timedelta(hours=1))
    assert "to this account" in refused.value.detail
    assert refused.value.retry_after == 23 * 3600


def test_a_phone_verified_on_another_account_is_a_409_at_sending_and_at_verifying(app, client, session):
    first, second = make_user(session), make_user(session)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    send(session, app, first, now=start)
    first_code = last_code()
    send(session, app, second, now=start + dt.timedelta(minutes=1))
    second_code = last_code()
    verify(session, app, first, first_code, now=start + dt.timedelta(minutes=2))
    with pytest.raises(Conflict):
        verify(session, app, second, second_code, now=start + dt.timedelta(minutes=3))
    response = client.post("/api/v1/me/phone", json={"phone": PHONE}, headers=bearer(app, second))
    assert response.status_code == 409 and response.content_type == PROBLEM
    assert session.get(User, second.id).phone_reference is None  # type: ignore[union-attr]


def test_an_account_may_verify_the_phone_it_already_has_again(app, session):
    owner = make_user(session)
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    send(session, app, owner, now=start)
    verify(session, app, owner, last_code(), now=start)
    send(session, app, owner, now=start + dt.timedelta(minutes=5))
    assert verify(session, app, owner, last_code(), now=start + dt.timedelta(minutes=5)).phone_verified_at == (
        start + dt.timedelta(minutes=5)
    )


@pytest.mark.parametrize(
    ("path", "body", "field", "rule"),
    [
        ("/api/v1/me/phone", {}, "phone", "required"),
        ("/api/v1/me/phone", {"phone": "1" * 40}, "phone", "length"),
        ("/api/v1/me/phone", {"phone": "138123\x0045678"}, "phone", "text"),
        ("/api/v1/me/phone", {"phone": "12812345678"}, "phone", "phone"),
        ("/api/v1/me/phone", {"phone": "+1 415 555 0100"}, "phone", "phone"),
        ("/api/v1/me/phone", {"phone": 13812345678}, "phone", "string"),
        ("/api/v1/me/phone", {"phone": ""}, "phone", "length"),
        ("/api/v1/me/phone/verify", {"phone": PHONE}, "code", "required"),
        ("/api/v1/me/phone/verify", {"phone": PHONE, "code": "12\x003456"}, "code", "text"),
        ("/api/v1/me/phone/verify", {"phone": PHONE, "code": "1" * 40}, "code", "length"),
        ("/api/v1/me/phone/verify", {"phone": "1" * 40, "code": "123456"}, "phone", "length"),
        ("/api/v1/me/phone/verify", {"phone": "not a phone", "code": "123456"}, "phone", "phone"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_texts_nothing(app, client, session, path, body, field, rule):
    owner = make_user(session)
    before = len(demo_outbox())
    response = client.post(path, json=body, headers=bearer(app, owner))
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert (field, rule) in {(error["field"], error["rule"]) for error in response.get_json()["errors"]}
    assert len(demo_outbox()) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 0


def test_a_body_that_is_not_json_is_a_400_problem_not_a_500(app, client, session):
    response = client.post(
        "/api/v1/me/phone",
        data=b"\xff\xfe",
        headers={**bearer(app, make_user(session)), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.content_type == PROBLEM
    assert response.get_json()["errors"][0]["message"] == "Invalid JSON body."


def test_asking_for_a_code_needs_a_signed_in_account(client):
    response = client.post("/api/v1/me/phone", json={"phone": PHONE})
    assert response.status_code == 401 and response.content_type == PROBLEM


def test_with_sms_off_asking_for_a_code_is_a_503_recording_nothing(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "off")
    response = client.post("/api/v1/me/phone", json={"phone": PHONE}, headers=bearer(app, make_user(session)))
    assert response.status_code == 503 and response.content_type == PROBLEM
    assert session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 0


def test_a_code_the_gateway_did_not_take_is_not_recorded_nor_counted(app, session):
    owner = make_user(session)
    with pytest.raises(Unavailable):
        phones.send_code(
            session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"], sender=NoSmsSender()
        )
    assert send(session, app, owner).phone_masked == "138****5678"  # no minute to wait: nothing went out


def test_phones_are_verified_while_redis_is_down(database_url, tmp_path, session):
    down = create_app({"DATABASE_URL": database_url, "REDIS_URL": f"unix://{tmp_path}/no-redis.sock"})
    down.extensions["distro.session_factory"] = lambda: Session(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )
    owner = make_user(session)
    auth, client = bearer(down, owner), down.test_client()
    assert client.post("/api/v1/me/phone", json={"phone": PHONE}, headers=auth).status_code == 202
    verified = client.post("/api/v1/me/phone/verify", json={"phone": PHONE, "code": last_code()}, headers=auth)
    assert verified.status_code == 200 and verified.get_json()["phone_verified"] is True


def test_migrating_down_past_account_phones_and_up_again_works(empty_db):
    config = migrate.alembic_config(empty_db)
    migrate.upgrade(empty_db)
    command.downgrade(config, "0009")
    migrate.upgrade(empty_db)
    columns = {column["name"] for column in sa.inspect(engine_for(empty_db)).get_columns("users")}
    assert {"phone_reference", "phone_masked", "phone_verified_at"} <= columns


def test_two_asks_at_once_for_one_phone_text_one_code(committed_db, server_urls):
    app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": server_urls["redis"]})
    engine = engine_for(committed_db)
    with Session(engine, expire_on_commit=False) as session:
        accounts = [make_user(session).id, make_user(session).id]
    outcomes: list[str] = []

    def ask(user_id: int) -> None:
        with Session(engine) as session:
            try:
                phones.send_code(
                    session=session,
                    user_id=user_id,
                    phone=PHONE,
                    secret=app.config["SECRET_KEY"],
                    sender=DemoSmsSender(),
                )
                outcomes.append("sent")
            except TooManyRequests:
                outcomes.append("429")

    threads = [threading.Thread(target=ask, args=(user_id,)) for user_id in accounts]
    # The first ask stops at its insert, having counted no code yet; the second must wait for it
    # rather than count the same nothing and text a second code.
    with table_locked(engine, "phone_codes"):
        threads[0].start()
        wait_until_blocked(engine, "INSERT INTO phone_codes")
        threads[1].start()
        wait_until_blocked(engine, "pg_advisory_xact_lock")
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["sent", "429"]
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PhoneCode)) == 1
