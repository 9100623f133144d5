"""Who a visitor is, for unique clicks: the visitor cookie, else a keyed hash of address and browser."""

import hashlib

from distro.share.codes import identify_visitor, new_visitor_id

SECRET = b"server-secret"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"
OTHER_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
COOKIE = "AbCdEfGh_-123456"


def ids(*values):
    """A new-id source handing out the given ids in turn."""
    remaining = list(values)
    return lambda: remaining.pop(0)


def test_clicks_without_a_cookie_from_one_address_and_browser_are_one_visitor():
    first = identify_visitor(None, "203.0.113.7", PHONE_UA, SECRET, ids("A" * 16))
    again = identify_visitor(None, "203.0.113.7", PHONE_UA, SECRET, ids("B" * 16))
    assert first.key == again.key
    assert first.key.startswith("h:")


def test_another_address_or_another_browser_is_another_visitor():
    keys = {
        identify_visitor(None, address, agent, SECRET).key
        for address, agent in [("203.0.113.7", PHONE_UA), ("203.0.113.8", PHONE_UA), ("203.0.113.7", OTHER_UA)]
    }
    assert len(keys) == 3


def test_the_hash_is_keyed_by_the_server_secret_not_a_bare_hash():
    keyed = identify_visitor(None, "203.0.113.7", PHONE_UA, SECRET).key
    assert keyed != identify_visitor(None, "203.0.113.7", PHONE_UA, b"another-secret").key
    bare = hashlib.sha256(f"203.0.113.7|{PHONE_UA}".encode()).hexdigest()
    assert keyed.removeprefix("h:") not in (bare, bare[:32])


def test_a_visitor_with_a_cookie_is_known_by_it_from_any_address():
    at_home = identify_visitor(COOKIE, "203.0.113.7", PHONE_UA, SECRET)
    on_the_train = identify_visitor(COOKIE, "198.51.100.20", PHONE_UA, SECRET)
    assert at_home.key == on_the_train.key == f"v:{COOKIE}"
    assert at_home.cookie == COOKIE and at_home.also is None


def test_a_first_visit_gets_a_random_cookie_counted_as_seen_with_the_click():
    visitor = identify_visitor(None, "203.0.113.7", PHONE_UA, SECRET, ids(COOKIE))
    assert visitor.cookie == COOKIE  # random, so the cookie says nothing about the address
    assert visitor.also == f"v:{COOKIE}"  # the key the next click, bringing the cookie, will have
    assert identify_visitor(visitor.cookie, "203.0.113.7", PHONE_UA, SECRET).key == visitor.also


def test_a_cookie_distro_could_not_have_set_counts_as_none():
    for forged in ["", "short", "x" * 17, "has space 123456", "ünïcödé-1234567", "A" * 15 + "\n"]:
        visitor = identify_visitor(forged, "203.0.113.7", PHONE_UA, SECRET, ids(COOKIE))
        assert visitor.key.startswith("h:") and visitor.cookie == COOKIE


def test_new_visitor_ids_are_cookies_distro_recognises():
    cookie = new_visitor_id()
    assert identify_visitor(cookie, None, None, SECRET).key == f"v:{cookie}"
    assert new_visitor_id() != cookie
