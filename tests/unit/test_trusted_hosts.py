"""The hosts distro answers to come from its settings, and its own redirects carry no host at all."""

import pytest

from distro.settings import ConfigurationError, load_settings
from distro.urls import host_is_trusted, trusted_hosts, without_host
from tests.unit.test_settings import PRODUCTION

PUBLIC = "https://shop.example.cn"


def test_production_answers_to_the_public_host_and_the_extra_names_only():
    trusted = trusted_hosts(PUBLIC, ["admin.example.cn"], development=False)
    assert host_is_trusted("shop.example.cn", trusted)
    assert host_is_trusted("admin.example.cn", trusted)
    for host in ("evil.example", "localhost", "127.0.0.1", "[::1]", "example.cn", "www.shop.example.cn"):
        assert not host_is_trusted(host, trusted), host


def test_development_answers_to_loopback_names_too():
    trusted = trusted_hosts("http://127.0.0.1:8101", [], development=True)
    for host in ("127.0.0.1:8101", "localhost:8000", "localhost", "[::1]:8101"):
        assert host_is_trusted(host, trusted), host
    assert not host_is_trusted("evil.example", trusted)


def test_a_public_address_on_ipv6_is_trusted_by_its_bracketed_host():
    trusted = trusted_hosts("http://[2400:3200::1]:8000", [], development=False)
    assert host_is_trusted("[2400:3200::1]:8000", trusted)
    assert not host_is_trusted("[2400:3200::2]:8000", trusted)


def test_the_port_case_and_a_final_dot_do_not_count():
    trusted = trusted_hosts(PUBLIC, [], development=False)
    for host in ("shop.example.cn:443", "shop.example.cn:8443", "SHOP.Example.CN", "shop.example.cn."):
        assert host_is_trusted(host, trusted), host


def test_a_name_with_a_leading_dot_trusts_itself_and_every_name_under_it():
    trusted = trusted_hosts(PUBLIC, [".cdn.example.cn"], development=False)
    assert host_is_trusted("cdn.example.cn", trusted)
    assert host_is_trusted("img.cdn.example.cn:443", trusted)
    assert not host_is_trusted("evilcdn.example.cn", trusted)


def test_a_unicode_name_is_compared_as_the_browser_sends_it():
    trusted = trusted_hosts("https://商店.中国", [], development=False)
    assert host_is_trusted("xn--czrs0t.xn--fiqs8s", trusted)


@pytest.mark.parametrize(
    "host",
    ["", "shop.example.cn@evil.example", "evil.example/shop.example.cn", "shop.example.cn:99999x", "[::1", "a b"],
)
def test_a_host_header_that_is_not_a_plain_host_is_never_trusted(host):
    assert not host_is_trusted(host, trusted_hosts(PUBLIC, [], development=True))


@pytest.mark.parametrize(
    "names", ['"admin.example.cn"', '["admin.example.cn/x"]', '["http://admin.example.cn"]', "[1]"]
)
def test_trusted_hosts_that_are_not_a_list_of_host_names_are_refused_at_start(names):
    with pytest.raises(ConfigurationError, match="DISTRO_TRUSTED_HOSTS"):
        load_settings(environ={**PRODUCTION, "DISTRO_TRUSTED_HOSTS": names})


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("http://evil.example/s/x", "/s/x"),
        ("http://evil.example/shop/x/?from=timeline", "/shop/x/?from=timeline"),
        ("http://evil.example//evil2.example/x", "/evil2.example/x"),  # never "//…", another host to a browser
        ("/owner", "/owner"),
    ],
)
def test_a_redirect_of_distros_own_keeps_only_the_path_and_query(url, path):
    assert without_host(url) == path
