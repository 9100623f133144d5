"""Signing in on distro's pages: a session of its own that the server can end, and forms that carry a token."""

import datetime as dt

import sqlalchemy as sa

from distro.auth.models import Role, User, WebSession
from distro.auth.phones import attach_verified_phone
from distro.pages import SESSION_COOKIE
from tests.factories import PASSWORD, make_shop, make_user

PHONE = "13800000021"


def an_owner_with_a_phone(app, session) -> User:
    owner = make_user(session, Role.SHOP_OWNER)
    attach_verified_phone(session=session, user_id=owner.id, phone=PHONE, secret=app.config["SECRET_KEY"])
    return owner


def sign_in(client, login: str = PHONE, password: str = PASSWORD, **extra):
    return client.post("/login", data={"login": login, "password": password, **extra})


def test_an_owner_signs_in_with_their_phone_and_password_and_sees_their_shops(app, client, session):
    owner = an_owner_with_a_phone(app, session)
    make_shop(session, app, owner, slug="lilishop")
    assert client.get("/my").headers["Location"].startswith("/login?next=")
    signed_in = sign_in(client, "+86 138-0000-0021")
    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, "/my")
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.expires is not None and cookie.expires > dt.datetime.now(dt.UTC) + dt.timedelta(days=29)
    home = client.get("/my").get_data(as_text=True)
    assert owner.display_name in home and "138****0021" in home and "/shop/lilishop" in home
    [stored] = session.scalars(sa.select(WebSession).where(WebSession.user_id == owner.id)).all()
    assert stored.expires_at - stored.created_at == dt.timedelta(days=30)


def test_an_owner_may_sign_in_with_their_email_too(app, client, session):
    owner = an_owner_with_a_phone(app, session)
    assert sign_in(client, owner.email.upper()).status_code == 303
    assert client.get("/my").status_code == 200


def test_a_wrong_password_or_an_unknown_phone_is_refused_alike_in_chinese_and_starts_no_session(app, client, session):
    an_owner_with_a_phone(app, session)
    for login, password in ((PHONE, "wrong-password"), ("13800000099", PASSWORD)):
        refused = sign_in(client, login, password)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "手机号或密码不正确" in page and 'aria-invalid="true"' in page
    empty = client.post("/login", data={"login": "", "password": ""})
    assert empty.status_code == 422 and "请填写手机号或邮箱" in empty.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0
    assert client.get("/my").status_code == 302


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_opens_nothing(app, client, session):
    an_owner_with_a_phone(app, session)
    sign_in(client)
    copied = client.get_cookie(SESSION_COOKIE).value
    assert client.post("/logout").headers["Location"] == "/login"
    client.set_cookie(SESSION_COOKIE, copied)  # replayed, as a stolen cookie would be
    assert client.get("/my").status_code == 302
    assert session.scalars(sa.select(WebSession.ended_at)).one() is not None


def test_deactivating_an_account_signs_it_out_everywhere_at_once(app, client, session):
    owner = an_owner_with_a_phone(app, session)
    other_phone = app.test_client()
    sign_in(client)
    sign_in(other_phone)
    assert client.get("/my").status_code == other_phone.get("/my").status_code == 200
    session.execute(sa.update(User).where(User.id == owner.id).values(is_active=False))
    session.commit()
    assert client.get("/my").status_code == other_phone.get("/my").status_code == 302
    assert sign_in(client).status_code == 422


def test_a_session_past_its_days_opens_nothing(app, client, session):
    an_owner_with_a_phone(app, session)
    sign_in(client)
    session.execute(sa.update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    session.commit()
    assert client.get("/my").status_code == 302


def test_signing_in_goes_back_to_the_page_asked_for_but_never_to_another_site(app, client, session):
    an_owner_with_a_phone(app, session)
    assert sign_in(client, next="/shop/anywhere").headers["Location"] == "/shop/anywhere"
    client.post("/logout")
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert sign_in(client, next=elsewhere).headers["Location"] == "/my", elsewhere
        client.post("/logout")


def test_the_sign_in_form_needs_its_page_token(app, client, session):
    an_owner_with_a_phone(app, session)
    refused = sign_in(client, csrf_token="forged")
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0


def test_the_page_session_opens_nothing_in_the_api_which_sets_no_cookie(app, client, session):
    owner = an_owner_with_a_phone(app, session)
    sign_in(client)
    # The API takes bearer tokens only: a page's cookie, which a forged cross-site request would carry, is no key.
    me = client.get("/api/v1/me")
    assert me.status_code == 401 and "Set-Cookie" not in me.headers
    body = {"grant_type": "password", "email": owner.email, "password": PASSWORD}
    token = client.post("/api/v1/auth/token", json=body)
    assert token.status_code == 200 and "Set-Cookie" not in token.headers


def test_pages_send_security_headers_and_a_policy_their_inline_style_and_script_satisfy(app, client, session):
    page = client.get("/login")
    policy = page.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    html = page.get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/owner/owner.css?v=' in html and f'nonce="{nonce}"' in html
    assert html.count(f'nonce="{nonce}"') == html.count("<script") + html.count('rel="stylesheet"')
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert nonce not in client.get("/login").headers["Content-Security-Policy"]  # a new one every response
    api = client.get("/api/v1/me")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" not in api.headers
