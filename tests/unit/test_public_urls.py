"""Public addresses: the address a BIND is reached at, and distro's own files stored relative to it."""

import pytest

from distro.share.kit import Shareable, share_kit
from distro.urls import absolute_url, own_image_name, own_image_url, public_base_url, reaches_only_this_machine

BASE = "http://127.0.0.1:8101"


@pytest.mark.parametrize(
    ("bind", "public_url"),
    [
        ("127.0.0.1:8101", "http://127.0.0.1:8101"),
        ("0.0.0.0:8101", "http://127.0.0.1:8101"),
        (":8101", "http://127.0.0.1:8101"),
        ("[::]:8101", "http://[::1]:8101"),
        ("[::1]:8101", "http://[::1]:8101"),
        ("192.168.1.20:8000", "http://192.168.1.20:8000"),
    ],
)
def test_a_bind_is_reached_at_its_own_address_or_loopback_for_every_interface(bind, public_url):
    assert public_base_url(bind) == public_url


def test_distros_own_files_are_made_absolute_and_other_urls_kept():
    assert absolute_url(BASE, "/images/demo-01.png") == f"{BASE}/images/demo-01.png"
    assert absolute_url(BASE + "/", "/images/demo-01.png") == f"{BASE}/images/demo-01.png"
    assert absolute_url(BASE, "https://img.example.cn/a.png") == "https://img.example.cn/a.png"
    # A scheme-relative URL names another host: it is not one of distro's paths.
    assert absolute_url(BASE, "//img.example.cn/a.png") == "//img.example.cn/a.png"


def test_an_own_image_is_named_stored_or_under_the_base_and_nothing_else():
    assert own_image_url("demo-01.png") == "/images/demo-01.png"
    assert own_image_name("/images/demo-01.png") == "demo-01.png"
    assert own_image_name(f"{BASE}/images/demo-01.png", BASE) == "demo-01.png"
    for url in [
        f"{BASE}/images/demo-01.png",  # absolute, but no base given
        "/images/../secret.png",
        "/images/.hidden.png",
        "/images/demo-01.gif",
        "/other/demo-01.png",
        "https://cdn.example.cn/images/demo-01.png",
    ]:
        assert own_image_name(url) is None, url
    assert own_image_name("http://127.0.0.1:8000/images/demo-01.png", "http://127.0.0.1:80") is None


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.1.2.3", True),
        ("http://localhost:8101", True),
        ("http://app.localhost", True),
        ("http://[::1]:8101", True),
        ("http://0.0.0.0:8101", True),
        ("https://shop.example.cn", False),
        ("http://192.168.1.20:8000", False),  # a phone on the same Wi-Fi reaches it
    ],
)
def test_only_loopback_addresses_reach_this_machine_alone(url, local):
    assert reaches_only_this_machine(url) is local


def test_the_share_kit_shows_an_own_picture_under_the_base_and_a_suppliers_as_it_is():
    item = Shareable("小美的小铺", "普洱茶", "", 5900, "/images/demo-01.png", BASE, "abcd2345")
    assert share_kit(item)["wechat"]["imgUrl"] == f"{BASE}/images/demo-01.png"
    external = Shareable("小美的小铺", "普洱茶", "", 5900, "https://img.example.cn/a.png", BASE, "abcd2345")
    assert share_kit(external)["wechat"]["imgUrl"] == "https://img.example.cn/a.png"
