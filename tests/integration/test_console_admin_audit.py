"""审计日志 in the admin console: searching by actor, object, action and time range, newest first, a page at a
time, and refusing a bad search in Chinese on its field."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from distro.audit import AuditEntry
from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.console import admin_audit_queries as queries
from tests.factories import PASSWORD, make_user


def sign_in(client, user) -> None:
    client.post("/login", data={"login": user.email, "password": PASSWORD})


@pytest.fixture
def log(session):
    """Two staff and four entries on three Shanghai days: who did what to which record."""
    alice, bob = make_user(session, Role.ADMIN), make_user(session, Role.FINANCE)

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, tzinfo=BUSINESS_TZ)

    entries = [
        AuditEntry(
            actor_id=alice.id,
            action="product.take_down",
            subject_type="product",
            subject_id=7,
            before={"status": "listed"},
            after={"status": "taken_down"},
            created_at=at(1, 9),
        ),
        AuditEntry(
            actor_id=bob.id,
            action="settlement_batch.approve",
            subject_type="settlement_batch",
            subject_id=3,
            created_at=at(2, 23),
        ),
        AuditEntry(actor_id=alice.id, action="shop.suspend", subject_type="shop", subject_id=7, created_at=at(3, 0)),
        AuditEntry(actor_id=None, action="product.restore", subject_type="product", subject_id=8, created_at=at(3, 10)),
    ]
    session.add_all(entries)
    session.commit()
    return {"alice": alice, "bob": bob, "entries": entries}


def shown(page: str) -> list[str]:
    """The actions listed, in order (each shown as <code>action</code>)."""
    text = html.unescape(page)
    return [part.split("</code>")[0] for part in text.split("<td><code>")[1:]]


def test_an_admin_searches_by_actor_by_email_or_id_newest_first(client, session, log):
    sign_in(client, log["alice"])
    by_email = client.get(f"/console/admin/audit?actor={log['alice'].email.upper()}").get_data(as_text=True)
    assert shown(by_email) == ["shop.suspend", "product.take_down"]
    by_id = client.get(f"/console/admin/audit?actor={log['bob'].id}").get_data(as_text=True)
    assert shown(by_id) == ["settlement_batch.approve"]
    everything = client.get("/console/admin/audit").get_data(as_text=True)
    assert shown(everything)[:4] == ["product.restore", "shop.suspend", "settlement_batch.approve", "product.take_down"]
    assert "系统" in everything  # the entry with no actor


def test_an_admin_searches_by_object_action_and_shanghai_days(client, session, log):
    sign_in(client, log["alice"])
    assert shown(client.get("/console/admin/audit?subject_type=product&subject_id=7").get_data(as_text=True)) == [
        "product.take_down"
    ]
    assert shown(client.get("/console/admin/audit?subject_type=product").get_data(as_text=True))[:2] == [
        "product.restore",
        "product.take_down",
    ]
    assert shown(client.get("/console/admin/audit?action=shop.suspend").get_data(as_text=True)) == ["shop.suspend"]
    # 2 November, Shanghai: 23:00 is in it, 00:00 of the 3rd is not.
    day = client.get("/console/admin/audit?since=2026-11-02&until=2026-11-02").get_data(as_text=True)
    assert shown(day) == ["settlement_batch.approve"]
    both = client.get("/console/admin/audit?since=2026-11-01&until=2026-11-03&actor=" + log["alice"].email)
    assert shown(both.get_data(as_text=True)) == ["shop.suspend", "product.take_down"]


def test_the_next_page_keeps_the_search_and_starts_after_the_last_entry_shown(client, session, log, monkeypatch):
    monkeypatch.setitem(queries.search_page.__kwdefaults__, "size", 1)
    sign_in(client, log["alice"])
    first = client.get(f"/console/admin/audit?actor={log['alice'].id}").get_data(as_text=True)
    assert shown(first) == ["shop.suspend"]
    link = html.unescape(first.split('class="pager"><a href="')[1].split('"')[0])
    assert f"actor={log['alice'].id}" in link and f"after={log['entries'][2].id}" in link
    second = client.get(link).get_data(as_text=True)
    assert shown(second) == ["product.take_down"] and "下一页" not in second
    assert client.get("/console/admin/audit?after=999999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-11-03&until=2026-11-01", "结束日期不能早于开始日期"),
        ("since=yesterday", "请按 年-月-日 填写日期"),
        ("subject_type=product&subject_id=abc", "应是正整数"),
        ("subject_id=7", "按对象编号查找时请同时填写对象类型"),
        ("subject_type=Product!", "对象类型只能是小写字母和下划线"),
        ("actor=nobody@example.cn", "找不到这个账户"),
        ("after=-3", "页码无效"),
        ("actor=a%00b", "请勿输入特殊字符"),
    ],
)
def test_a_bad_search_is_refused_in_chinese_on_its_field_not_a_500(client, session, log, query, message):
    sign_in(client, log["alice"])
    answer = client.get(f"/console/admin/audit?{query}")
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)


def test_only_admins_read_the_audit_log(client, session, log):
    sign_in(client, log["bob"])
    assert client.get("/console/admin/audit").status_code == 403
