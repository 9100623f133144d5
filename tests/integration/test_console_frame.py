"""The console's frame: one address for suppliers, finance staff and admins, each seeing the sections of their
roles, a sign-in that leads there, and refusals in Chinese."""

from __future__ import annotations

from distro.auth.models import Role
from distro.auth.services import set_roles
from tests.factories import PASSWORD, make_user


def sign_in(client, user, next_page: str | None = None):
    form = {"login": user.email, "password": PASSWORD, **({"next": next_page} if next_page else {})}
    return client.post("/login", data=form)


def test_an_account_that_works_in_the_console_and_owns_no_shop_lands_there_on_signing_in(client, session):
    finance = make_user(session, Role.FINANCE)
    answer = sign_in(client, finance)
    assert answer.status_code == 303 and answer.headers["Location"] == "/console"


def test_a_shop_owner_still_lands_in_the_owner_app_even_holding_a_console_role(client, session):
    owner = make_user(session, Role.SHOP_OWNER, Role.SUPPLIER)
    assert sign_in(client, owner).headers["Location"] == "/my"


def test_a_page_asked_for_before_signing_in_is_where_the_sign_in_goes(client, session):
    admin = make_user(session, Role.ADMIN)
    first = client.get("/console")
    assert first.status_code == 302 and "/login?next=%2Fconsole" in first.headers["Location"]
    assert sign_in(client, admin, "/console").headers["Location"] == "/console"


def test_each_account_sees_the_sections_of_the_roles_it_holds_and_no_other(client, session):
    both = make_user(session, Role.FINANCE, Role.ADMIN)
    sign_in(client, both)
    page = client.get("/console").get_data(as_text=True)
    # The supplier section's heading, not the admin's menu entries 供货商审核 and 供货商.
    assert "<h2>财务</h2>" in page and "<h2>平台管理</h2>" in page and "<h2>供货商</h2>" not in page


def test_an_account_without_a_console_role_is_refused_in_chinese_without_a_500(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    sign_in(client, owner)
    answer = client.get("/console")
    assert answer.status_code == 403 and "没有权限" in answer.get_data(as_text=True)


def test_a_role_taken_away_closes_the_console_at_once_in_the_same_page_session(client, session):
    worker = make_user(session, Role.SHOP_OWNER, Role.FINANCE)
    sign_in(client, worker)
    assert "财务" in client.get("/console").get_data(as_text=True)
    set_roles(
        session=session, user_id=worker.id, roles={Role.SHOP_OWNER}, acting_user_id=make_user(session, Role.ADMIN).id
    )
    assert client.get("/console").status_code == 403


def test_an_owner_who_also_supplies_finds_the_console_on_the_owner_apps_me_page_and_others_do_not(client, session):
    both = make_user(session, Role.SHOP_OWNER, Role.SUPPLIER)
    sign_in(client, both)
    assert 'href="/console"' in client.get("/my/me").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    assert 'href="/console"' not in client.get("/my/me").get_data(as_text=True)
