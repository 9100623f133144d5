from ipaddress import ip_address

import pytest

from distro.egress import Egress, Refused, is_public_address


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


def get(url: str, egress: Egress = Egress()) -> None:  # noqa: B008 - frozen, so one default is safe
    with egress.get(url, headers={}, timeout=1):
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
