"""The http image source against real HTTP servers on this machine (a supplier's CDN stand-in).

distro refuses loopback addresses, so these tests let the source reach 127.0.0.1 through its egress seam;
the tests that a refused address is never contacted use the address rules distro runs with.
"""

from collections.abc import Iterator
from ipaddress import IPv4Address, ip_address
from pathlib import Path

import pytest
import trustme

from distro.egress import Egress
from distro.share.images import HttpImageSource, ImageUnavailable, LocalImageSource
from tests.cdn import PHOTO, WEBP_PHOTO, CDNServer, certified, running_cdn, trusting

# The one address these tests stand a CDN on; 127.0.0.2 plays an address inside the network.
CDN_ADDRESS = IPv4Address("127.0.0.1")
TEST_EGRESS = Egress(allowed=lambda address: address == CDN_ADDRESS)


@pytest.fixture
def cdn() -> Iterator[CDNServer]:
    with running_cdn(str(CDN_ADDRESS)) as server:
        yield server


@pytest.fixture
def inside() -> Iterator[CDNServer]:
    """A server on an address the source may not reach."""
    with running_cdn("127.0.0.2") as server:
        yield server


def source(tmp_path: Path, egress: Egress = TEST_EGRESS, **overrides) -> HttpImageSource:
    values = {"timeout_seconds": 2.0, "max_bytes": len(PHOTO) + 1_000, "cache_seconds": 3600.0, **overrides}
    local = LocalImageSource("http://distro.test", tmp_path / "images")
    return HttpImageSource(tmp_path / "cache", local, egress, **values)


def cached_files(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "cache").iterdir()) if (tmp_path / "cache").exists() else []


def test_an_image_is_fetched_once_and_then_served_from_the_disk_cache(cdn, tmp_path):
    images = source(tmp_path)
    assert images.fetch(cdn.url("/photo.png")) == PHOTO
    assert images.fetch(cdn.url("/photo.png")) == PHOTO
    assert cdn.hits == ["/photo.png"]
    assert [path.read_bytes() for path in cached_files(tmp_path)] == [PHOTO]


def test_a_webp_image_is_accepted(cdn, tmp_path):
    assert source(tmp_path).fetch(cdn.url("/photo.webp")) == WEBP_PHOTO


def test_a_stale_copy_is_fetched_again_and_still_serves_when_the_cdn_is_gone(cdn, tmp_path):
    images = source(tmp_path, cache_seconds=0)
    photo = cdn.url("/photo.png")
    assert images.fetch(photo) == PHOTO
    assert images.fetch(photo) == PHOTO
    assert cdn.hits == ["/photo.png", "/photo.png"]
    cdn.shutdown()
    cdn.server_close()
    assert images.fetch(photo) == PHOTO


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.png", "text/html"),
        ("/huge.png", "bytes"),
        ("/trickle.png", "out of time"),
        ("/to-ftp.png", "not an http"),
        ("/missing.png", "404"),
    ],
    ids=["not-an-image-type", "over-the-size-cap", "too-slow", "redirect-off-http", "not-found"],
)
def test_what_is_not_a_small_image_served_in_time_is_unavailable_and_not_cached(cdn, tmp_path, path, reason):
    images = source(tmp_path, timeout_seconds=0.5)
    with pytest.raises(ImageUnavailable, match=reason):
        images.fetch(cdn.url(path))
    assert cached_files(tmp_path) == []


def test_an_unreachable_cdn_is_unavailable(tmp_path):
    with pytest.raises(ImageUnavailable):
        source(tmp_path).fetch("http://127.0.0.1:9/photo.png")


def test_distros_own_images_are_read_from_disk_without_a_request(cdn, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "demo-01.png").write_bytes(PHOTO)
    assert source(tmp_path).fetch("http://distro.test/images/demo-01.png") == PHOTO
    assert cdn.hits == []


def test_a_loopback_url_is_refused_without_contacting_it(cdn, tmp_path):
    with pytest.raises(ImageUnavailable, match="not a public address"):
        source(tmp_path, Egress()).fetch(cdn.url("/photo.png"))
    assert cdn.hits == []


def test_a_redirect_to_an_address_that_may_not_be_reached_is_refused_without_contacting_it(cdn, inside, tmp_path):
    cdn.redirect_to = inside.url("/photo.png")
    with pytest.raises(ImageUnavailable, match=r"127\.0\.0\.2.*not a public address"):
        source(tmp_path).fetch(cdn.url("/redirect.png"))
    assert (cdn.hits, inside.hits) == (["/redirect.png"], [])
    assert cached_files(tmp_path) == []


def test_a_redirect_to_an_allowed_address_is_followed(cdn, tmp_path):
    cdn.redirect_to = "/photo.png"
    assert source(tmp_path).fetch(cdn.url("/redirect.png")) == PHOTO
    assert cdn.hits == ["/redirect.png", "/photo.png"]


def test_the_connection_goes_to_the_vetted_address_with_the_host_name_in_the_host_header(cdn, tmp_path):
    # The name resolves only through the source's resolver: a second lookup at connect time would find
    # nothing, or, in a DNS rebinding attack, an address inside the network.
    lookups: list[str] = []

    def resolve(host: str, port: int):
        lookups.append(host)
        return [ip_address("127.0.0.1")]

    egress = Egress(allowed=TEST_EGRESS.allowed, resolve=resolve)
    port = cdn.server_address[1]
    assert source(tmp_path, egress).fetch(f"http://img.supplier.test:{port}/photo.png") == PHOTO
    assert lookups == ["img.supplier.test"]
    assert cdn.hosts == [f"img.supplier.test:{port}"]


def test_a_cached_copy_stops_serving_once_its_url_is_refused(cdn, tmp_path):
    photo = cdn.url("/photo.png")
    assert source(tmp_path, cache_seconds=0).fetch(photo) == PHOTO
    with pytest.raises(ImageUnavailable, match="not a public address"):
        source(tmp_path, Egress(), cache_seconds=0).fetch(photo)
    assert cdn.hits == ["/photo.png"]


def https_source(tmp_path: Path, ca: trustme.CA) -> HttpImageSource:
    """A source that trusts ca and finds every host name at the CDN's address."""
    egress = Egress(allowed=TEST_EGRESS.allowed, resolve=lambda host, port: [CDN_ADDRESS], tls=trusting(ca))
    return source(tmp_path, egress)


def test_https_goes_to_the_vetted_address_and_verifies_the_certificate_of_the_host_name(tmp_path):
    ca = trustme.CA()
    with running_cdn(str(CDN_ADDRESS), certified(ca, "img.supplier.test")) as cdn:
        port = cdn.server_address[1]
        assert https_source(tmp_path, ca).fetch(f"https://img.supplier.test:{port}/photo.png") == PHOTO
    assert cdn.hosts == [f"img.supplier.test:{port}"]


def test_https_refuses_a_certificate_for_another_name(tmp_path):
    ca = trustme.CA()
    with running_cdn(str(CDN_ADDRESS), certified(ca, "other.test")) as cdn:
        with pytest.raises(ImageUnavailable, match="certificate"):
            https_source(tmp_path, ca).fetch(f"https://img.supplier.test:{cdn.server_address[1]}/photo.png")
        assert cdn.hits == []
