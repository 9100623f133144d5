"""A broadcast is one row, published once per key, that every owner's inbox (消息) shows from when it is visible:
no write per owner, unread by the owner's read marker, and not shown to an owner who joined after it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from distro.auth.models import Role
from distro.broadcasts import services
from distro.broadcasts.models import Broadcast
from distro.owner import messages
from tests.factories import PASSWORD, make_user

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def start(
    session, key: str = "campaign:7:start", at: dt.datetime | None = None, title: str = "10点整点秒杀开始"
) -> Broadcast:
    return services.publish(
        session=session,
        key=key,
        kind="campaign.started",
        title=title,
        body="普洱茶限时 ¥59，佣金 30%，快去分享。",
        link_path="/my/pool",
        visible_from=at or NOW - dt.timedelta(minutes=1),
    )


def counts(session) -> tuple[int, int]:
    """(broadcasts, read markers)."""
    return (
        session.scalar(sa.text("SELECT count(*) FROM broadcasts")),
        session.scalar(sa.text("SELECT count(*) FROM owner_inbox_marks")),
    )


def test_publishing_the_same_key_twice_keeps_one_broadcast_with_its_first_words(session, redis):
    before = counts(session)[0]
    first = start(session)
    again = start(session, title="改过的标题")
    assert again.id == first.id and again.title == "10点整点秒杀开始"
    assert counts(session)[0] == before + 1


def test_every_owner_sees_the_broadcast_with_nothing_written_for_any_of_them(session, redis):
    owners = [make_user(session, Role.SHOP_OWNER) for _ in range(5)]
    for owner in owners:
        owner.created_at = NOW - dt.timedelta(days=1)
        session.add(owner)
    session.commit()
    marks_before = counts(session)[1]
    broadcast = start(session)
    assert counts(session)[1] == marks_before  # publishing wrote no row for any owner
    for owner in owners:
        unread = messages.unread_count(session, owner.id)  # type: ignore[arg-type]
        inbox = messages.open_inbox(session=session, owner_id=owner.id, page=1)  # type: ignore[arg-type]
        shown = [m for m in inbox.messages if m.kind == "broadcast"]
        assert unread == 1
        assert [(m.subject_id, m.detail["title"], m.detail["link"], m.unread, m.shop_id) for m in shown] == [
            (broadcast.id, "10点整点秒杀开始", "/my/pool", True, None)
        ]


def test_the_read_marker_reads_a_broadcast_and_a_newer_one_comes_unread(session, redis):
    owner = make_user(session, Role.SHOP_OWNER)
    owner.created_at = NOW - dt.timedelta(days=1)
    session.add(owner)
    session.commit()
    start(session, "campaign:1:start", at=NOW - dt.timedelta(hours=2))
    messages.open_inbox(session=session, owner_id=owner.id, page=1, now=NOW - dt.timedelta(hours=1))  # type: ignore[arg-type]
    start(session, "campaign:2:start", at=NOW - dt.timedelta(minutes=5), title="11点整点秒杀开始")
    inbox = messages.open_inbox(session=session, owner_id=owner.id, page=1)  # type: ignore[arg-type]
    assert [(m.detail["title"], m.unread) for m in inbox.messages] == [
        ("11点整点秒杀开始", True),
        ("10点整点秒杀开始", False),
    ]
    assert messages.unread_count(session, owner.id) == 0  # type: ignore[arg-type]


def test_a_broadcast_is_not_shown_before_it_is_visible_nor_to_an_owner_who_joined_after_it(session, redis):
    early = make_user(session, Role.SHOP_OWNER)
    early.created_at = NOW - dt.timedelta(days=2)
    session.add(early)
    session.commit()
    start(session, "campaign:old:start", at=NOW - dt.timedelta(days=1), title="昨天的活动")
    start(session, "campaign:next:start", at=NOW + dt.timedelta(hours=1), title="明天的活动")
    late = make_user(session, Role.SHOP_OWNER)  # created now, after yesterday's
    titles = {
        owner.email: [
            m.detail["title"] for m in messages.open_inbox(session=session, owner_id=owner.id, page=1).messages
        ]  # type: ignore[arg-type]
        for owner in (early, late)
    }
    assert titles == {early.email: ["昨天的活动"], late.email: []}


def test_the_inbox_page_shows_the_broadcast_with_its_link(client, session, redis):
    owner = make_user(session, Role.SHOP_OWNER)
    owner.created_at = NOW - dt.timedelta(days=1)
    session.add(owner)
    session.commit()
    start(session)
    client.post("/login", data={"login": owner.email, "password": PASSWORD})
    badge = client.get("/my/messages/unread").get_data(as_text=True)
    page = client.get("/my/messages").get_data(as_text=True)
    assert "有 1 条未读" in badge
    assert "10点整点秒杀开始" in page and "普洱茶限时 ¥59" in page and 'href="/my/pool"' in page


def test_a_broadcast_links_only_to_a_path_on_distro(session, redis):
    for link in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            services.publish(
                session=session,
                key=f"bad:{link}",
                kind="campaign.started",
                title="t",
                body="b",
                link_path=link,
                visible_from=NOW,
            )
