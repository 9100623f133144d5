"""Share links resolve through outages: memory, then Redis, then PostgreSQL (distro/share/resolver.py).

PostgreSQL is down for the app as it is when its server is gone: the app's database URL names a port nothing
listens on. Redis likewise: a socket nothing listens on. Time moves by a clock the test holds (the resolver's);
Redis's own expiry is shortened in Redis instead of waited for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.harness import free_port
from distro.app import create_app
from distro.db import SessionFactory, engine_for
from distro.outages import POSTGRES_DOWN
from distro.share import services
from distro.share.models import ShareLink
from distro.share.resolver import LinkResolver, cache_redis, shared_key
from distro.share.targets import FRESH_SECONDS, KEEP_SECONDS, LinkTarget
from distro.shops.models import Shop
from tests.factories import make_shop
from tests.integration.test_share import PHONE_UA

HOUR = 3600.0


def without_postgresql(database_url: str) -> str:
    """The database URL with its server at a port nothing listens on."""
    url = make_url(database_url).set(host="127.0.0.1", port=free_port(), query={})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def no_redis() -> Iterator[str]:
    """A Redis URL on a socket nothing listens on (a short path: a unix socket's may not be long)."""
    with tempfile.TemporaryDirectory(prefix="share-outage-") as directory:
        yield f"unix://{Path(directory) / 'redis.sock'}"


@pytest.fixture
def links(committed_app, committed_db) -> dict[str, LinkTarget]:
    """Two links of an open shop, committed, by code: where each leads."""
    with Session(engine_for(committed_db)) as session:
        shop = make_shop(session, committed_app, slug="outage")
        made = [
            ShareLink(code=code, shop_id=shop.id, channel="qr", created_by=shop.owner_id)
            for code in ("Followed", "Unopened")
        ]
        session.add_all(made)
        session.commit()
        return {link.code: LinkTarget(link.id, "outage", None) for link in made}


def follow(app, code: str):
    return app.test_client().get(f"/s/{code}", headers={"User-Agent": PHONE_UA})


class Clock:
    """The resolver's time, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Database:
    """Sessions on the test's database, or on one that is down; every session opened is closed at the end."""

    def __init__(self, database_url: str) -> None:
        self.up_url, self.down_url = database_url, without_postgresql(database_url)
        self.opened: list[Session] = []

    def _opener(self, url: str) -> SessionFactory:
        def open_session() -> Session:
            self.opened.append(Session(engine_for(url)))
            return self.opened[-1]

        return open_session

    @property
    def up(self) -> SessionFactory:
        return self._opener(self.up_url)

    @property
    def down(self) -> SessionFactory:
        return self._opener(self.down_url)

    def close(self) -> None:
        for session in self.opened:
            session.close()


@pytest.fixture
def database(committed_db) -> Iterator[Database]:
    sessions = Database(committed_db)
    yield sessions
    sessions.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


def test_a_link_followed_before_postgresql_went_down_redirects_in_a_process_that_never_saw_it(
    committed_app, committed_db, server_urls, redis, links
):
    assert follow(committed_app, "Followed").status_code == 302  # read from PostgreSQL, written through to Redis
    committed_app.extensions["distro.clicks"].flush()

    # Another web process, started after PostgreSQL went down: nothing in its memory.
    env = {
        **os.environ,
        "DISTRO_DATABASE_URL": without_postgresql(committed_db),
        "DISTRO_REDIS_URL": server_urls["redis"],
    }
    follow_there = (
        "from distro.app import create_app\n"
        "app = create_app(check_migrations=False)\n"
        f"response = app.test_client().get('/s/Followed', headers={{'User-Agent': {PHONE_UA!r}}})\n"
        "cookies = sorted(cookie.split('=')[0] for cookie in response.headers.getlist('Set-Cookie'))\n"
        "print(response.status_code, response.headers.get('Location'), *cookies)"
    )
    answer = subprocess.run(  # noqa: S603 (our own code)
        [sys.executable, "-c", follow_there], env=env, check=True, timeout=60, capture_output=True, text=True
    )

    assert answer.stdout.split() == ["302", "/shop/outage", "distro_ref", "distro_vid"]
    assert redis.xlen(services.CLICK_STREAM) == 2  # its click was counted as usual (written as it exited)


def test_a_link_no_cache_knows_gets_a_chinese_503_page_while_postgresql_is_down(committed_db, server_urls, redis):
    down = create_app(
        {"DATABASE_URL": without_postgresql(committed_db), "REDIS_URL": server_urls["redis"]}, check_migrations=False
    )
    for method in ("GET", "HEAD"):
        response = down.test_client().open("/s/NeverSee", method=method, headers={"User-Agent": PHONE_UA})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
        assert "Set-Cookie" not in response.headers
    assert "系统繁忙" in follow(down, "NeverSee").get_data(as_text=True)


def test_redis_keeps_a_link_for_a_day_from_the_last_time_it_was_followed(committed_app, redis, links):
    assert follow(committed_app, "Followed").status_code == 302
    assert KEEP_SECONDS - HOUR < redis.ttl(shared_key("Followed")) <= KEEP_SECONDS
    assert not redis.exists(shared_key("Unopened"))

    redis.expire(shared_key("Followed"), 5)  # as if the day were nearly over
    committed_app.extensions["distro.share_targets"].forget()  # the process asks again, as after a minute
    assert follow(committed_app, "Followed").status_code == 302
    assert redis.ttl(shared_key("Followed")) > KEEP_SECONDS - HOUR  # following it kept it another day


def test_postgresql_down_another_process_falls_back_on_what_redis_has_however_old(
    server_urls, redis, links, database, clock
):
    first = LinkResolver(cache_redis(server_urls["redis"]), clock=clock)
    assert first.resolve("Followed", open_session=database.up) == links["Followed"]

    clock.advance(10 * HOUR)  # long past fresh: PostgreSQL is asked first, and does not answer
    other = LinkResolver(cache_redis(server_urls["redis"]), clock=clock)
    assert other.resolve("Followed", open_session=database.down) == links["Followed"]
    with pytest.raises(POSTGRES_DOWN):
        other.resolve("Unopened", open_session=database.down)


def test_postgresql_down_a_process_asks_it_again_once_a_minute_not_on_every_follow(
    server_urls, redis, links, database, clock
):
    resolver = LinkResolver(cache_redis(server_urls["redis"]), clock=clock)
    resolver.resolve("Followed", open_session=database.up)
    clock.advance(HOUR)
    assert resolver.resolve("Followed", open_session=database.down) == links["Followed"]
    asked = len(database.opened)
    for _ in range(4):
        clock.advance(FRESH_SECONDS / 4)
        assert resolver.resolve("Followed", open_session=database.down) == links["Followed"]
    assert len(database.opened) == asked + 1  # once the minute was over


def test_a_closed_shops_links_keep_leading_to_its_page_which_says_it_is_closed(
    committed_db, server_urls, redis, links, database, clock
):
    # The page reads the shop's status on every request (tests/integration/test_admin_shops.py), so no cache
    # of where links lead, fresh or kept through an outage, can keep a stopped shop selling.
    resolver = LinkResolver(cache_redis(server_urls["redis"]), clock=clock)
    assert resolver.resolve("Followed", open_session=database.up) == links["Followed"]
    with Session(engine_for(committed_db)) as session:
        session.execute(sa.update(Shop).where(Shop.slug == "outage").values(status="closed"))
        session.commit()

    clock.advance(FRESH_SECONDS)
    assert resolver.resolve("Followed", open_session=database.up) == links["Followed"]  # PostgreSQL asked again
    clock.advance(HOUR)
    assert resolver.resolve("Followed", open_session=database.down) == links["Followed"]


def test_redis_down_links_resolve_from_postgresql(committed_db, no_redis, links):
    app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": no_redis})
    for code in ("Followed", "Unopened", "Followed"):
        response = follow(app, code)
        assert response.status_code == 302
        assert response.headers["Location"] == "/shop/outage"


def test_both_down_a_process_redirects_the_links_it_followed_in_the_last_day(no_redis, links, database, clock):
    resolver = LinkResolver(cache_redis(no_redis), clock=clock)
    assert resolver.resolve("Followed", open_session=database.up) == links["Followed"]

    clock.advance(HOUR)
    assert resolver.resolve("Followed", open_session=database.down) == links["Followed"]
    clock.advance(KEEP_SECONDS - 1)  # a day, less a second, since it was last followed
    assert resolver.resolve("Followed", open_session=database.down) == links["Followed"]
    clock.advance(KEEP_SECONDS + 1)  # a day without a follow: forgotten
    with pytest.raises(POSTGRES_DOWN):
        resolver.resolve("Followed", open_session=database.down)


def test_a_process_forgets_the_links_it_remembered_longest_ago_first(monkeypatch, no_redis, links, database, clock):
    from distro.share import resolver as resolver_module

    monkeypatch.setattr(resolver_module, "MEMORY_MAX_LINKS", 1)
    resolver = LinkResolver(cache_redis(no_redis), clock=clock)
    resolver.resolve("Followed", open_session=database.up)
    resolver.resolve("Unopened", open_session=database.up)

    clock.advance(HOUR)
    assert resolver.resolve("Unopened", open_session=database.down) == links["Unopened"]
    with pytest.raises(POSTGRES_DOWN):
        resolver.resolve("Followed", open_session=database.down)
