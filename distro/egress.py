"""HTTP(S) requests to addresses on the public internet only, for URLs that third parties give distro.

A supplier's image URL is fetched by the server when anyone asks for a poster, and a subscriber's
endpoint receives outbound webhooks. Left alone, such a URL could
make distro request its own loopback services, the private network it runs in, or the cloud's metadata
endpoint (169.254.169.254), directly or through a redirect. So every hop's host is resolved once, the request
is refused unless every address it resolves to is public, and the connection goes to those vetted addresses
(the host name still travels in the Host header and TLS's SNI and certificate check): a DNS answer that
changes between the check and the connect (rebinding) is never consulted.

Requests go directly, never through a proxy from the environment: a proxy would resolve the name itself.

A request's timeout is one deadline for every hop, name resolution included. The system resolver
(socket.getaddrinfo) takes no timeout and, when DNS does not answer, blocks for resolv.conf's timeout × attempts
per name server, so lookups run in a small pool of threads, shared by the process, and the request waits for an
answer only as long as it has left. A lookup given up on cannot be stopped: if it is still queued it is
cancelled; if it is running, its thread finishes when the system resolver gives up (the interpreter, exiting,
waits for it too), and the answer is dropped. The pool's size bounds the threads a resolver outage can hold; more
lookups than that wait their turn, each within its own deadline. A literal address in a URL is never looked up.

After the lookup every blocking step gets only the time left: each connection attempt, the TLS handshake, each
send, and each read of the answer (status line, headers, body), the reads the caller makes inside the with
included; a step still waiting at the deadline raises TimeoutError. A socket's timeout alone would not do: it
bounds each read separately, so a server trickling its answer a byte at a time could hold a request as long as
it liked. So http.client is handed a socket (it only sends on it, reads it through makefile and closes it) that
sets the real socket's timeout to the time left before each send and each read, the reads beneath http.client's
buffered reader: a header line gathered from many reads has every one of them bounded. An SSLSocket's read
honours its timeout in all, however many TLS records it waits for, so TLS is bounded the same way. This costs
a system call per read and no thread. A watchdog closing the socket at the deadline would need a thread, would
close a TLS connection under another thread's read, and would end a read in a closed-socket error or a body
that merely looks short (an answer without a length), not in TimeoutError.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Built once: loading the system's CA certificates costs milliseconds, too much for every request.
SYSTEM_TLS = ssl.create_default_context()

RESOLVER_THREADS = 8
"""Name lookups in progress at once in a process: the most threads a resolver that never answers can hold."""


def _lookup_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(RESOLVER_THREADS, thread_name_prefix="egress-resolve")


_lookups = _lookup_pool()  # its threads start with the first lookups


def _new_lookup_pool_after_fork() -> None:
    # A forked child (a job's work horse, a web server worker) has none of its parent's threads, yet the parent's
    # pool would count its idle ones as there and never start another: its lookups would never run.
    global _lookups
    _lookups = _lookup_pool()


os.register_at_fork(after_in_child=_new_lookup_pool_after_fork)


class Refused(Exception):
    """distro will not send this request: not http(s), a host that is not public, or too many redirects."""


def is_public_address(address: IPAddress) -> bool:
    """Whether address is on the public internet: not loopback, private, link-local, unique-local, multicast,
    reserved or unspecified. An IPv6 address that carries an IPv4 one (mapped, 6to4) is judged by that."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if carried is not None:
            return is_public_address(carried)
    # is_global alone lets multicast (224.0.1.1) and IPv4-compatible IPv6 (::127.0.0.1) through.
    return address.is_global and not address.is_multicast and not address.is_reserved


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address host resolves to for a TCP connection on port, in the resolver's order. Takes as long as the
    system resolver does: egress calls it through resolve_within."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"{host} does not resolve: {exc}") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def resolve_within(
    resolve: Callable[[str, int], list[IPAddress]], host: str, port: int, timeout: float
) -> list[IPAddress]:
    """resolve(host, port), run in the lookup pool and waited for at most timeout seconds; TimeoutError after."""
    lookup = _lookups.submit(resolve, host, port)
    if not wait([lookup], timeout=timeout).done:
        lookup.cancel()  # dropped if still queued; a running lookup finishes on its own, unheard
        raise TimeoutError(f"{host} did not resolve within the {timeout:.2f} s left")
    return lookup.result()


def _literal_address(host: str) -> IPAddress | None:
    """The address host spells, when it is one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _time_left(deadline: float, url: str) -> float:
    """Seconds until deadline (a time.monotonic() value); TimeoutError when none are left."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError(f"{url}: out of time")
    return remaining


class _DeadlineSocket:
    """A connected socket as http.client uses it (sendall, makefile("rb"), close), each send and each read given
    only the time left until deadline; TimeoutError naming url when that runs out."""

    def __init__(self, sock: socket.socket, deadline: float, url: str) -> None:
        self.sock = sock
        self.deadline = deadline
        self.url = url

    def within_deadline(self, step: Callable[[], int | None]) -> int | None:
        """step(), a send or a read on the socket, in the time left."""
        self.sock.settimeout(_time_left(self.deadline, self.url))
        try:
            return step()
        except TimeoutError as exc:  # the socket's timeout: the time left ran out during the step
            raise TimeoutError(f"{self.url}: out of time") from exc

    def sendall(self, data: bytes) -> None:
        self.within_deadline(lambda: self.sock.sendall(data))

    def makefile(self, mode: Literal["rb"]) -> io.BufferedReader:
        # The socket's own unbuffered reader: it keeps the socket open while read, after the connection lets go.
        return io.BufferedReader(_DeadlineReader(self, self.sock.makefile(mode, buffering=0)))

    def close(self) -> None:
        self.sock.close()


class _DeadlineReader(io.RawIOBase):
    """The socket's raw reader, each read within the socket's deadline."""

    def __init__(self, sock: _DeadlineSocket, raw: io.RawIOBase) -> None:
        self.sock = sock
        self.raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]  # what BufferedReader passes
        return self.sock.within_deadline(lambda: self.raw.readinto(buffer))

    def close(self) -> None:
        self.raw.close()
        super().close()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to vetted addresses, whatever host (sent as Host) resolves to by now, each step of it
    given only the time left until deadline."""

    def __init__(
        self, host: str, port: int, *, addresses: list[IPAddress], deadline: float, url: str, tls: ssl.SSLContext
    ) -> None:
        super().__init__(host, port)
        self.addresses = addresses
        self.deadline = deadline
        self.url = url
        self.tls = tls

    def connect(self) -> None:
        # http.client uses its socket's sendall, makefile and close only.
        self.sock = _DeadlineSocket(self._open(), self.deadline, self.url)

    def _open(self) -> socket.socket:
        error: OSError = OSError(f"no address to connect to for {self.host}")
        for address in self.addresses:  # as socket.create_connection tries each of a name's addresses
            timeout = _time_left(self.deadline, self.url)
            try:
                sock = socket.create_connection((str(address), self.port), timeout)
            except OSError as exc:
                error = exc
            else:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
        raise error


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS: SNI and the certificate check use the host name, not the address."""

    default_port = 443

    def _open(self) -> socket.socket:
        sock = super()._open()
        try:
            sock.settimeout(_time_left(self.deadline, self.url))  # the handshake's share
            return self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


@dataclass(frozen=True)
class Egress:
    """Sends requests only to the addresses allowed accepts (public ones), GETs following up to max_redirects redirects,
    each hop vetted the same way, certificates checked against tls (the system's CAs). resolve looks a host name up,
    blocking; egress runs it in the lookup pool within the request's deadline. allowed, resolve and tls are the
    seams tests use to stand a server on loopback or a resolver that does not answer."""

    allowed: Callable[[IPAddress], bool] = is_public_address
    resolve: Callable[[str, int], list[IPAddress]] = resolve_host
    tls: ssl.SSLContext = SYSTEM_TLS
    max_redirects: int = 5

    @contextmanager
    def get(self, url: str, *, headers: Mapping[str, str], timeout: float) -> Iterator[http.client.HTTPResponse]:
        """The response to GET url, after redirects, whatever its status; timeout bounds the whole exchange, every
        hop and the reading of the body inside the with (TimeoutError after). Refused for a URL or redirect distro
        will not follow; OSError when the network fails."""
        with self._exchange("GET", url, None, headers, timeout, self.max_redirects) as response:
            yield response

    @contextmanager
    def post(
        self, url: str, body: bytes, *, headers: Mapping[str, str], timeout: float
    ) -> Iterator[http.client.HTTPResponse]:
        """The response to POST body to url, whatever its status: a redirect is answered, not followed (a
        webhook receiver that redirects is misconfigured). Refused and OSError as for get."""
        with self._exchange("POST", url, body, headers, timeout, redirects=0) as response:
            yield response

    @contextmanager
    def _exchange(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str], timeout: float, redirects: int
    ) -> Iterator[http.client.HTTPResponse]:
        deadline = time.monotonic() + timeout
        for _ in range(redirects + 1):
            connection = self._connect(url, deadline)
            try:
                parts = urlsplit(url)
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request(method, target, body=body, headers=dict(headers))
                # Closed here, not only with the connection: an answer that ends with its connection (HTTP/1.0,
                # Connection: close) is let go by it, and its socket stays open until the answer is closed.
                with connection.getresponse() as response:
                    location = response.getheader("Location")
                    if redirects and response.status in REDIRECTS and location:
                        url = urljoin(url, location)
                        continue
                    yield response
                    return
            finally:
                connection.close()
        raise Refused(f"more than {redirects} redirects")

    def _connect(self, url: str, deadline: float) -> _PinnedHTTPConnection:
        """A connection (not yet open) for url's host, pinned to its vetted addresses."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise Refused(f"{url} is not an http(s) URL")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError as exc:  # a port out of range or not a number
            raise Refused(f"{url} is not an http(s) URL: {exc}") from exc
        literal = _literal_address(parts.hostname)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = resolve_within(self.resolve, parts.hostname, port, _time_left(deadline, url))
        refused = [address for address in addresses if not self.allowed(address)]
        if refused or not addresses:
            # Every address must pass: a name resolving to one public and one private address could
            # otherwise be connected to the private one.
            raise Refused(f"{parts.hostname} resolves to {refused[0] if refused else 'nothing'}, not a public address")
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        return kind(parts.hostname, port, addresses=addresses, deadline=deadline, url=url, tls=self.tls)
