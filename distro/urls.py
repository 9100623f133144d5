"""Public addresses (pure): where buyers reach distro, and the URLs of distro's own files.

distro stores the URLs of its own files relative (/images/<name>) and makes them absolute with
PUBLIC_BASE_URL when it serves them, so a database outlives a change of address or port.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

LOCAL_IMAGE_PATH = "/images/"
# Names distro gives the images it holds: no path separators, no dot-files, a known suffix.
LOCAL_IMAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.(png|jpg|jpeg|webp)")
WEB_SCHEMES = ("http", "https")


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
