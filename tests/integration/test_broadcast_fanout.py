"""The fan-out of a broadcast to outside channels, run by a real RQ worker: each opted-in owner is sent it once on
the channel they chose, in chunks by owner id (one row per chunk, none per owner); a chunk sent is never sent again,
and a chunk whose worker died before recording it is sent again to its own owners only."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role
from distro.broadcasts import fanout, services
from distro.broadcasts.channels import clear_demo_outbox, demo_outbox
from distro.db import engine_for
from distro.queue import get_queue
from tests.factories import make_user
from tests.integration.workers import BurstWorker


@pytest.fixture
def owners(committed_db: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """Seven owners: three chose WeChat, one SMS (with a verified phone), one none, one nothing, and one WeChat
    owner whose account was deactivated. Chunks of two."""
    monkeypatch.setenv("DISTRO_NOTIFY_CHUNK", "2")
    chosen: dict[str, list[int]] = {"wechat": [], "sms": [], "none": [], "unset": [], "inactive": []}
    with Session(engine_for(committed_db)) as session:
        for channel in ("wechat", "sms", "wechat", "none", "unset", "wechat", "inactive"):
            owner = make_user(session, Role.SHOP_OWNER)
            if channel == "sms":
                session.execute(
                    sa.text(
                        "UPDATE users SET phone_reference = 'ref', phone_masked = '138****0001', "
                        "phone_verified_at = now() WHERE id = :id"
                    ),
                    {"id": owner.id},
                )
                session.commit()
            if channel != "unset":
                picked = "wechat" if channel == "inactive" else channel
                services.choose_channel(session=session, owner_id=owner.id, channel=picked)  # type: ignore[arg-type]
            if channel == "inactive":
                owner.is_active = False
                session.add(owner)
                session.commit()
            chosen[channel].append(owner.id)  # type: ignore[arg-type]
    return chosen


def work(redis) -> None:
    BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)


def sent_to(broadcast_id: int) -> Counter:
    return Counter((sent.channel, sent.owner_id) for sent in demo_outbox() if sent.broadcast_id == broadcast_id)


def publish(url: str):
    with Session(engine_for(url)) as session:
        return services.publish(
            session=session,
            key="campaign:9:start",
            kind="campaign.started",
            title="10点整点秒杀开始",
            body="快去分享",
            link_path="/my/pool",
            visible_from=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        )


def test_a_worker_sends_the_broadcast_once_to_each_opted_in_owner_on_their_channel(committed_db, redis, owners):
    clear_demo_outbox()
    broadcast = publish(committed_db)
    work(redis)
    expected = Counter({("wechat", owner): 1 for owner in owners["wechat"]} | {("sms", owners["sms"][0]): 1})
    assert sent_to(broadcast.id) == expected  # type: ignore[arg-type]
    with engine_for(committed_db).connect() as connection:
        chunks = connection.execute(
            sa.text("SELECT sent FROM broadcast_chunks WHERE broadcast_id = :id ORDER BY after_owner_id"),
            {"id": broadcast.id},
        ).scalars()
        # Five owners opted in, the deactivated one too (skipped when sent): two chunks of two and an open last one.
        assert list(chunks) == [2, 2, 0]

    # Publishing again, a duplicate plan, a duplicate job of a chunk: nothing more is sent.
    publish(committed_db)
    fanout.plan(broadcast.id)  # type: ignore[arg-type]
    fanout.send_chunk(broadcast.id, 0)  # type: ignore[arg-type]
    work(redis)
    assert sent_to(broadcast.id) == expected  # type: ignore[arg-type]


def test_a_chunk_whose_worker_died_before_recording_it_is_resent_to_its_own_owners_only(committed_db, redis, owners):
    clear_demo_outbox()
    broadcast = publish(committed_db)
    work(redis)
    first_chunk_owners = sorted([*owners["wechat"], *owners["sms"]])[:2]
    with engine_for(committed_db).begin() as connection:  # as if the worker died after sending, before the mark
        connection.execute(
            sa.text(
                "UPDATE broadcast_chunks SET sent_at = NULL, sent = NULL "
                "WHERE broadcast_id = :id AND after_owner_id = 0"
            ),
            {"id": broadcast.id},
        )
    clear_demo_outbox()
    assert fanout.send_chunk(broadcast.id, 0) == 2  # type: ignore[arg-type]  # RQ's retry of the dead job
    assert fanout.send_chunk(broadcast.id, 2) == 0  # type: ignore[arg-type]  # the next chunk was recorded sent
    assert sorted(owner for _, owner in sent_to(broadcast.id)) == first_chunk_owners  # type: ignore[arg-type]
