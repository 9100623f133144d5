import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from ipaddress import ip_address

import pytest
import trustme

from distro.egress import RESOLVER_THREADS, Egress, Refused, is_public_address
from tests.cdn import PHOTO, CDNServer, certified, running_cdn, trusting


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.8.9.10",
        "::1",
        "10.0.0.1",  # RFC 1918
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.0.1",
        "169.254.169.254",  # link-local: the cloud metadata endpoint
        "fe80::1",
        "fc00::1",  # unique-local
        "fd12:3456:789a::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible, deprecated
        "0.0.0.0",  # noqa: S104 - an address to judge, not one to bind
        "::",
        "100.64.0.1",  # carrier-grade NAT
        "224.0.1.1",  # multicast
        "239.255.255.250",
        "ff0e::1",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
    ],
)
def test_addresses_inside_a_network_or_not_unicast_are_not_public(address):
    assert not is_public_address(ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "223.5.5.5", "172.32.0.1", "2400:3200::1", "::ffff:223.5.5.5", "2002:df05:505::"]
)
def test_addresses_on_the_internet_are_public(address):
    assert is_public_address(ip_address(address))


def get(url: str, egress: Egress = Egress(), timeout: float = 1) -> None:  # noqa: B008 - frozen, so one default is safe
    with egress.get(url, headers={}, timeout=timeout):
        pass


def resolving_to(*addresses: str):
    def resolve(host: str, port: int):
        return [ip_address(address) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://[::1]:8080/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "https://192.168.1.1/a.png",
    ],
)
def test_a_url_naming_an_address_that_is_not_public_is_refused(url):
    with pytest.raises(Refused, match="not a public address"):
        get(url)


def test_a_host_is_refused_when_any_of_its_addresses_is_not_public():
    # Connecting tries each address in turn, so one private address among public ones is enough to reach inside.
    with pytest.raises(Refused, match=r"10\.0\.0\.7"):
        get("https://img.supplier.example/a.png", Egress(resolve=resolving_to("223.5.5.5", "10.0.0.7")))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://cdn.example.cn/a.png", "gopher://x/", "http:///a.png"])
def test_only_http_and_https_urls_with_a_host_are_followed(url):
    with pytest.raises(Refused, match="not an http"):
        get(url)


def test_a_literal_address_is_judged_as_written_and_never_looked_up():
    def resolve(host: str, port: int):
        raise AssertionError(f"{host} was looked up")

    with pytest.raises(Refused, match=r"10\.0\.0\.7"):
        get("http://10.0.0.7/a.png", Egress(resolve=resolve))
    with pytest.raises(Refused, match="fd00::1"):
        get("http://[fd00::1]/a.png", Egress(resolve=resolve))


class SilentResolver:
    """A resolver that answers no lookup until released; it records the names it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.released = threading.Event()

    def __call__(self, host: str, port: int):
        self.asked.append(host)
        self.released.wait()
        raise OSError(f"{host} does not resolve")


@pytest.fixture
def silent_dns():
    resolver = SilentResolver()
    yield resolver
    resolver.released.set()  # lets the lookup threads go, for the tests after this one


def test_a_resolver_that_does_not_answer_in_time_gives_a_timeout_error(silent_dns):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"img\.supplier\.example did not resolve within"):
        get("https://img.supplier.example/a.png", Egress(resolve=silent_dns), timeout=0.2)
    assert time.monotonic() - started < 10  # not held for as long as the resolver would have taken


def test_an_answer_within_the_deadline_is_used():
    def resolve(host: str, port: int):
        time.sleep(0.05)
        return [ip_address("10.0.0.7")]

    with pytest.raises(Refused, match=r"10\.0\.0\.7"):
        get("https://img.supplier.example/a.png", Egress(resolve=resolve), timeout=10)


def lookup_threads() -> int:
    return sum(thread.name.startswith("egress-resolve") for thread in threading.enumerate())


def test_a_resolver_outage_holds_a_bounded_number_of_threads_and_later_lookups_still_time_out(silent_dns):
    for _ in range(RESOLVER_THREADS + 3):
        with pytest.raises(TimeoutError, match="did not resolve"):
            get("https://img.supplier.example/a.png", Egress(resolve=silent_dns), timeout=0.05)
    assert lookup_threads() <= RESOLVER_THREADS
    silent_dns.released.set()
    # Lookups given up on before they started are dropped: once the pool is free, the next one is answered
    # and none of those is made late.
    with pytest.raises(Refused, match=r"10\.0\.0\.7"):
        get("https://img.supplier.example/a.png", Egress(resolve=resolving_to("10.0.0.7")), timeout=10)
    assert len(silent_dns.asked) <= RESOLVER_THREADS


def test_redirects_share_one_deadline_so_a_later_hop_is_looked_up_only_for_what_is_left(silent_dns):
    def resolve(host: str, port: int):
        return [ip_address("127.0.0.1")] if host == "first.example" else silent_dns(host, port)

    egress = Egress(allowed=lambda address: address.is_loopback, resolve=resolve)
    timeout = 1.0
    with running_cdn() as cdn:  # takes at least half a second to answer its redirect
        cdn.redirect_to = "http://second.example/photo.png"
        with pytest.raises(TimeoutError) as raised:
            get(f"http://first.example:{cdn.server_address[1]}/slow-redirect.png", egress, timeout=timeout)
    # Given its own timeout the second lookup would have had 1.00 s; it had what the first hop left, if any.
    left = re.search(r"second\.example did not resolve within the ([\d.]+) s left", str(raised.value))
    assert left is not None or "out of time" in str(raised.value)
    assert left is None or float(left[1]) <= timeout - 0.5


def test_a_forked_process_looks_names_up_in_a_pool_of_its_own():
    # Job work horses are forked: the parent's pool, whose threads do not exist in the child, would never run them.
    answering = Egress(resolve=resolving_to("10.0.0.7"))
    with pytest.raises(Refused):
        get("https://img.supplier.example/a.png", answering)  # the lookup threads have started
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 only when its lookup is answered
        try:
            get("https://img.supplier.example/a.png", answering, timeout=10)
        except Refused:
            os._exit(0)
        except BaseException:
            os._exit(2)
        os._exit(1)
    assert os.waitpid(pid, 0)[1] == 0


LOOPBACK = Egress(allowed=lambda address: address.is_loopback)


@pytest.fixture(params=["http", "https"])
def cdn(request) -> Iterator[tuple[CDNServer, Egress]]:
    """The CDN stand-in on loopback, in the clear or over TLS, and an egress that may reach it."""
    if request.param == "http":
        with running_cdn() as server:
            yield server, LOOPBACK
    else:
        ca = trustme.CA()
        with running_cdn(tls=certified(ca, "127.0.0.1")) as server:
            yield server, replace(LOOPBACK, tls=trusting(ca))


def test_headers_trickled_past_the_deadline_give_a_timeout_error(cdn):
    server, egress = cdn
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        get(server.url("/slow-headers.png"), egress, timeout=0.5)
    assert time.monotonic() - started < 4  # its headers would take 8 s


def test_a_body_trickled_past_the_deadline_gives_a_timeout_error_while_the_caller_reads_it(cdn):
    server, egress = cdn
    started = time.monotonic()
    with pytest.raises(TimeoutError), egress.get(server.url("/trickle.png"), headers={}, timeout=0.5) as response:
        assert response.status == 200
        response.read()
    assert time.monotonic() - started < 5  # its body would take 10 s


def test_an_answer_within_the_deadline_is_read_whole_however_many_reads_it_takes(cdn):
    server, egress = cdn
    server.redirect_to = "/photo.png"
    with egress.get(server.url("/slow-redirect.png"), headers={}, timeout=10) as response:
        assert (response.status, response.read()) == (200, PHOTO)


def test_a_post_is_bounded_by_its_deadline_too():
    # A webhook receiver trickling its answer would otherwise hold a delivery worker.
    started = time.monotonic()
    with (
        running_cdn() as server,
        pytest.raises(TimeoutError),
        LOOPBACK.post(server.url("/slow-headers.png"), b"{}", headers={}, timeout=0.5),
    ):
        pass
    assert time.monotonic() - started < 4  # its headers would take 8 s


def test_the_answer_is_closed_when_the_with_ends_so_its_socket_is_not_left_open():
    # An answer that ends with its connection (HTTP/1.0, as here) outlives the connection's close unless closed.
    with running_cdn() as server:
        with LOOPBACK.get(server.url("/photo.png"), headers={}, timeout=5) as response:
            assert response.status == 200
        assert response.isclosed()
