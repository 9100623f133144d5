"""A lean HTTP/1.1 load generator: one thread multiplexing keep-alive connections with a selector.

The benchmarks share two cores with the server they measure, so the load generator's own CPU is
taken from the system under test. A thread per connection (http.client in a thread pool) spent
about 0.27 ms per request on the GIL and http.client's parsing; this client writes each request
in one send and reads the response with no more parsing than its status and length need.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

RequestMaker = Callable[[int], tuple[bytes, Mapping[str, str]]]


class LoadError(RuntimeError):
    """A request failed: another status than expected, a redirect without a Location, a closed
    connection or a timeout."""


def _request_bytes(method: str, path: str, port: int, body: bytes, headers: Mapping[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Connection:
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.started = 0.0

    def send(self, data: bytes) -> None:
        self.buffer = b""
        self.started = time.perf_counter()
        self.socket.sendall(data)  # a request fits the socket buffer: this does not wait on the server

    def receive(self) -> tuple[int, dict[str, str], bytes] | None:
        """Read what has arrived (the selector said there is some, so this does not block); the status,
        headers (names in lower case) and body once the whole response is in, else None."""
        chunk = self.socket.recv(65536)
        if not chunk:
            raise LoadError("the server closed a keep-alive connection mid-request")
        self.buffer += chunk
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        status_line, *lines = self.buffer[:head_end].decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        if len(self.buffer) < head_end + 4 + length:
            return None
        return int(status_line[9:12]), headers, self.buffer[head_end + 4 : head_end + 4 + length]


class Load:
    """Keep `concurrency` connections to a local port open and send requests over them."""

    def __init__(self, port: int, concurrency: int) -> None:
        self.port = port
        self.connections = [_Connection(port) for _ in range(concurrency)]
        self.latencies: list[float] = []

    def run(
        self,
        method: str,
        path: str | Callable[[int], str],
        make_request: RequestMaker,
        numbers: Iterable[int],
        *,
        expect: int = 200,
        rate: float | None = None,
    ) -> float:
        """Send one request per number, each as soon as a connection is free (and, given a rate per second, not
        before its turn: request n at n / rate seconds); return the seconds taken. Each request's latency, from
        when it was sent, is kept in `latencies`.

        Every response must have the status `expect` (and a Location, if that is a redirect): the
        first that does not raises LoadError, once the other requests in flight have finished.
        """
        pending: Iterator[int] = iter(numbers)
        selector = selectors.DefaultSelector()
        failures: list[str] = []
        self.latencies = []
        waiting: list[_Connection] = []  # free connections whose next request's turn has not come (with a rate)
        sent = 0

        def start(connection: _Connection) -> bool:
            nonlocal sent
            if rate is not None and time.perf_counter() < began + sent / rate:
                waiting.append(connection)
                return True
            number = next(pending, None)
            if number is None:
                return False
            body, headers = make_request(number)
            target = path(number) if callable(path) else path
            connection.send(_request_bytes(method, target, self.port, body, headers))
            sent += 1
            return True

        began = time.perf_counter()
        for connection in self.connections:
            if start(connection):
                selector.register(connection.socket, selectors.EVENT_READ, connection)
        while selector.get_map():
            if waiting and rate is not None:
                ready, waiting[:] = list(waiting), []
                for connection in ready:
                    if failures or not start(connection):
                        selector.unregister(connection.socket)
                timeout = max(began + sent / rate - time.perf_counter(), 0) if waiting else 30
                if not selector.get_map():
                    break
            else:
                timeout = 30
            for key, _ in selector.select(timeout=timeout) or [(None, None)]:
                if key is None:
                    if waiting:
                        break
                    raise LoadError("no response within 30 s")
                connection = key.data
                response = connection.receive()
                if response is None:
                    continue
                status, headers, body = response
                self.latencies.append(time.perf_counter() - connection.started)
                if status != expect or (300 <= status < 400 and not headers.get("location")):
                    failures.append(f"{status} {body[:200]!r}")
                if failures or not start(connection):
                    selector.unregister(connection.socket)
        elapsed = time.perf_counter() - began
        selector.close()
        if failures:
            raise LoadError(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
        return elapsed

    def close(self) -> None:
        """Close every connection."""
        for connection in self.connections:
            connection.socket.close()
