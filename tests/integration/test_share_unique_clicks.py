"""Unique clicks count people: a visitor is their cookie, or without one a keyed hash of address and browser
for the hour, and the cookie a first click leaves does not make its owner a second visitor."""

import datetime as dt

import pytest

from distro.share import services
from tests.factories import make_shop
from tests.integration.test_share import PHONE_UA, counts, fold

OTHER_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@pytest.fixture
def code(app, session):
    shop = make_shop(session, app)
    return services.create_link(
        session=session, owner_id=shop.owner_id, shop_id=shop.id, channel="wechat_chat", product_id=None
    ).code


def follow(app, code, address="203.0.113.7", agent=PHONE_UA, client=None):
    """A click on the link from address with a browser: a new browser without cookies unless client is given."""
    client = client or app.test_client()
    response = client.get(f"/s/{code}", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302
    return client


def test_one_visitor_without_cookies_clicking_many_times_counts_once(app, session, redis, code):
    for _ in range(20):
        follow(app, code)  # a browser that keeps no cookies, as WeChat's in-app one may
    assert fold(app, session, redis) == 20
    assert tuple(counts(session)) == (20, 1)


def test_a_visitor_who_clicked_without_a_cookie_and_then_with_the_one_it_got_counts_once(app, session, redis, code):
    for _ in range(3):
        follow(app, code)
    browser = follow(app, code)  # this one keeps the cookie its first click left
    for _ in range(2):
        follow(app, code, client=browser)
    assert fold(app, session, redis) == 6
    assert tuple(counts(session)) == (6, 1)


def test_people_behind_one_address_with_different_browsers_are_different_visitors(app, session, redis, code):
    follow(app, code, agent=PHONE_UA)
    follow(app, code, agent=OTHER_UA)
    follow(app, code, address="198.51.100.20", agent=PHONE_UA)
    assert fold(app, session, redis) == 3
    assert tuple(counts(session)) == (3, 3)


def test_a_visitor_with_a_cookie_stays_one_visitor_when_their_address_changes(app, session, redis, code):
    browser = follow(app, code, address="203.0.113.7")
    follow(app, code, address="198.51.100.20", client=browser)  # from home Wi-Fi onto the mobile network
    assert fold(app, session, redis) == 2
    assert tuple(counts(session)) == (2, 1)


def seen(redis, link_id, visitor):
    return redis.pttl(f"distro:click-seen:{link_id}:{visitor}")


def test_a_cookie_given_on_a_repeated_click_is_seen_only_for_the_rest_of_the_visitors_hour(redis):
    now = dt.datetime.now(dt.UTC)
    assert services.record_clicks(redis, [services.Click(7, "h:first", now, also="v:cookie1")]) == 1
    assert 0 < seen(redis, 7, "h:first") <= services.UNIQUE_WINDOW_SECONDS * 1000
    assert 0 < seen(redis, 7, "v:cookie1") <= services.UNIQUE_WINDOW_SECONDS * 1000
    assert services.record_clicks(redis, [services.Click(7, "v:cookie1", now)]) == 0  # its next click

    redis.set("distro:click-seen:8:h:late", 1, px=100_000)  # a visitor whose hour ends in 100 s
    assert services.record_clicks(redis, [services.Click(8, "h:late", now, also="v:cookie2")]) == 0
    assert 0 < seen(redis, 8, "v:cookie2") <= 100_000
    assert [fields[b"u"] for _, fields in redis.xrange(services.CLICK_STREAM)] == [b"1", b"0", b"0"]
