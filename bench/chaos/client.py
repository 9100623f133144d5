"""The chaos drill's load plumbing: a small HTTP/1.1 client, a pace, and a tally of answers by phase.

bench/load.py multiplexes many connections for throughput and wants every answer to be the same; the drill
sends a few requests a second and expects failures while a server is away, so each of its threads keeps one
plain http.client connection and reads every answer, cookies included.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

TIMEOUT_SECONDS = 15.0
"""How long one request may take before it counts as unanswered (a web thread stuck on a dead server)."""


@dataclass(frozen=True)
class Answer:
    """A response: status, headers by lower-case name, the cookies it set, and the body."""

    status: int
    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Http:
    """One keep-alive connection to 127.0.0.1:port; any failure closes it and raises OSError."""

    def __init__(self, port: int, timeout: float = TIMEOUT_SECONDS) -> None:
        self.port = port
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
        """Send one request and read its whole answer; OSError when there is none."""
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self._connection.request(method, path, body=body or None, headers=headers or {})
            response = self._connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise OSError(f"{method} {path}: {type(error).__name__}: {error}") from error
        cookies: dict[str, str] = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
        if response.will_close:
            self.close()
        return Answer(response.status, {name.lower(): value for name, value in response.getheaders()}, cookies, content)

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def outcome(answer: Answer | None) -> str:
    """An answer's class for the phase tallies: 2xx, 3xx, 4xx, 5xx, or no answer."""
    return "no answer" if answer is None else f"{answer.status // 100}xx"


class Tally:
    """The load's answers counted by phase of the drill, kind of request and outcome."""

    def __init__(self) -> None:
        self.phase = "start"
        """The phase now: the drill's timeline sets it."""
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def count(self, kind: str, answer: Answer | None) -> None:
        """Count one request of kind (webhook, click, buyer) and how it was answered, in the phase now."""
        with self._lock:
            self._counts[(self.phase, kind, outcome(answer))] += 1

    def counts(self) -> Counter[tuple[str, str, str]]:
        """(phase, kind, outcome) → requests, so far."""
        with self._lock:
            return Counter(self._counts)


def paced(rate: float, stop: threading.Event) -> Iterator[int]:
    """Yield 0, 1, 2, … at rate a second until stop is set.

    After a stall (a request waiting on a server that is away) it catches up at most a second's worth,
    as people do not queue their clicks while a page hangs.
    """
    interval = 1 / rate
    next_at = time.monotonic()
    number = 0
    while not stop.is_set():
        now = time.monotonic()
        if next_at > now:
            stop.wait(next_at - now)
            continue
        next_at = max(next_at + interval, now - 1.0)
        yield number
        number += 1


class Threads:
    """A load carried by threads of its own (set in _threads by the subclass)."""

    _threads: list[threading.Thread]

    def start(self) -> None:
        """Start the load."""
        for thread in self._threads:
            thread.start()

    def busy(self) -> int:
        """Threads still at work."""
        return sum(thread.is_alive() for thread in self._threads)

    def join(self, timeout: float) -> None:
        """Wait for the threads to end, each up to timeout seconds."""
        for thread in self._threads:
            thread.join(timeout=timeout)
