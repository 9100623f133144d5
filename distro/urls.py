"""Public addresses (pure): where buyers reach distro, the hosts it answers to, and the URLs of distro's own files.

distro stores the URLs of its own files relative (/images/<name>) and makes them absolute with
PUBLIC_BASE_URL when it serves them, so a database outlives a change of address or port. No URL is ever
made from a request's Host header: distro answers only to the hosts its settings name.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit, urlunsplit

LOCAL_IMAGE_PATH = "/images/"
# Names distro gives the images it holds: no path separators, no dot-files, a known suffix.
LOCAL_IMAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(png|jpg|jpeg|webp)")
WEB_SCHEMES = ("http", "https")
# What a browser on the machine itself calls it: trusted in development besides PUBLIC_BASE_URL's host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# A Host header: a DNS name or IPv4 address, or an IPv6 address in brackets, and an optional port.
_HOST_HEADER = re.compile(r"(?P<name>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.IGNORECASE)


def split_bind(bind: str) -> tuple[str, str]:
    """A BIND of "host:port" as (host, port): an IPv6 host without its brackets, "" for every interface (":8000")."""
    host, _, port = bind.rpartition(":")
    return host.strip("[]"), port


def public_base_url(bind: str) -> str:
    """The address a browser on this machine reaches a server listening on bind at, e.g. http://127.0.0.1:8101.

    A server listening on every interface ("0.0.0.0:8101", ":8101", "[::]:8101") is reached through loopback.
    """
    host, port = split_bind(bind)
    address = _ip_address(host)
    if not host or (address is not None and address.is_unspecified):
        host = "::1" if address is not None and address.version == 6 else "127.0.0.1"
        address = _ip_address(host)
    if address is not None and address.version == 6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def absolute_url(base: str, stored: str) -> str:
    """A stored URL as others must be given it: a path of distro's own (/images/x.png) under base, any other URL
    as it is."""
    if stored.startswith("/") and not stored.startswith("//"):
        return base.rstrip("/") + stored
    return stored


def own_image_url(name: str) -> str:
    """The stored (relative) URL of the image distro holds under name."""
    return LOCAL_IMAGE_PATH + name


def own_image_name(url: str, base: str = "") -> str | None:
    """The file name when url names one of distro's own images, stored (/images/<name>) or absolute under base;
    None for any other URL."""
    path = url.removeprefix(base.rstrip("/")) if base else url
    if not path.startswith(LOCAL_IMAGE_PATH):
        return None
    name = path[len(LOCAL_IMAGE_PATH) :]
    return name if LOCAL_IMAGE_NAME.fullmatch(name) else None


def is_web_url(url: str) -> bool:
    """Whether url is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in WEB_SCHEMES and bool(parts.hostname)


def reaches_only_this_machine(url: str) -> bool:
    """Whether url's host is this machine alone (localhost, a loopback or unspecified address): no buyer's phone
    can open it."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip_address(host)
    return address is not None and (address.is_loopback or address.is_unspecified)


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def trusted_hosts(public_url: str, extra: Iterable[str], *, development: bool) -> frozenset[str]:
    """The host names distro answers to: PUBLIC_BASE_URL's, the extra ones and, in development, loopback's.

    An extra name starting with a dot (".example.cn") stands for that name and every name under it, as in Flask's
    TRUSTED_HOSTS. Raises ValueError for a name that is not one.
    """
    names = [urlsplit(public_url).netloc, *extra, *(LOOPBACK_HOSTS if development else ())]
    return frozenset(_trusted_name(name) for name in names)


def host_is_trusted(host: str, trusted: Collection[str]) -> bool:
    """Whether a Host header ("name", "name:port", "[v6]:port") names one of trusted (made by trusted_hosts).

    The port is not compared: a proxy in front may listen on another one. A trailing dot and case do not count.
    """
    match = _HOST_HEADER.fullmatch(host)
    if match is None:
        return False
    name = match["name"].lower().rstrip(".")
    return name in trusted or any(entry.startswith(".") and f".{name}".endswith(entry) for entry in trusted)


def _trusted_name(name: str) -> str:
    """A name as host_is_trusted compares it: lower case, its port and final dot gone, IDNA for a Unicode one."""
    suffix = "." if name.startswith(".") else ""
    try:
        ascii_name = name.removeprefix(".").encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"{name!r} is not a host name") from error
    match = _HOST_HEADER.fullmatch(ascii_name)
    if match is None or not match["name"].strip("."):
        raise ValueError(f"{name!r} is not a host name")
    return suffix + match["name"].lower().rstrip(".")


def without_host(url: str) -> str:
    """url as a path on the server that answered (path and query, no scheme or host): what a redirect of
    distro's own sends, so that no Host header a client sent ever comes back in a Location."""
    parts = urlsplit(url)
    # A path starting "//" would name another host to a browser.
    return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))
