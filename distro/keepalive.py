"""Connections survive refusals: a request body the app answered without reading is read to its end, or the
answer says `Connection: close`.

A view refused before it reads the body (a 401 or 403 before its arguments are parsed, a 404, the host check)
leaves the rest of the body in the connection. Granian hands the answer to hyper while that body is still
waiting to be read, so hyper writes the head as keep-alive; when granian then drops the unread body, hyper gives
up on the connection and closes it after the answer. Whether the head said `connection: close` depends on which of
the two came first: most often it did not, and the client's next request on the connection was lost (up to 11
of 20 in raw tests). So, outermost, whatever answered: a small rest of the body is read and discarded, keeping the
connection; a larger one, or one the client waits to be asked for (`Expect: 100-continue`), is not worth reading,
and the answer says `Connection: close`, so the client opens a new connection for its next request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

DRAIN_LIMIT = 64 * 1024
"""The most of an unread request body read and discarded to keep its connection (an API body is a few KiB)."""

_CHUNK = 16 * 1024

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class CountingInput:
    """wsgi.input, counting what the app reads from it and whether it reached the end."""

    __slots__ = ("consumed", "ended", "stream")

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.consumed = 0
        self.ended = False

    def _counted(self, data: bytes, asked: int | None) -> bytes:
        self.consumed += len(data)
        if not data and asked != 0:
            self.ended = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        """Read as the server's stream does."""
        return self._counted(self.stream.read(-1 if size is None else size), size)

    def readline(self, size: int | None = -1) -> bytes:
        """Read a line as the server's stream does."""
        return self._counted(self.stream.readline(-1 if size is None else size), size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """Read lines as the server's stream does."""
        lines = self.stream.readlines(hint)
        self.consumed += sum(map(len, lines))
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


def rest_is_read(environ: dict, body: CountingInput, limit: int = DRAIN_LIMIT) -> bool:
    """Read and discard what the app left of the request body when it is at most limit bytes; whether the body was
    read to its end (False: the connection cannot carry another request)."""
    length = environ.get("CONTENT_LENGTH", "")
    left = int(length) - body.consumed if length.isdigit() else None
    if body.ended or left == 0:
        return True
    if environ.get("HTTP_EXPECT", "").lower() == "100-continue":
        return False  # the client sends the body once asked for it: asking, to throw it away, would be a waste
    if left is None:  # chunked
        # Read to the end only where the server ends the stream (granian does): elsewhere a read past the body
        # would wait for the client's next request.
        return bool(environ.get("wsgi.input_terminated")) and 0 <= _discard(body, limit + 1) <= limit
    return left <= limit and _discard(body, left) == left


def _discard(body: CountingInput, most: int) -> int:
    """Read up to most bytes, or to the end; how many were read (-1 if the client went away)."""
    read = 0
    try:
        while read < most and (data := body.read(min(_CHUNK, most - read))):
            read += len(data)
    except (OSError, ValueError):
        return -1
    return read


class UnreadBodies:
    """WSGI middleware in front of everything: a request body left unread is read to its end (up to DRAIN_LIMIT),
    or the answer says `Connection: close`. HTTP/2 multiplexes requests and needs neither."""

    def __init__(self, next_app: WSGIApp, limit: int = DRAIN_LIMIT) -> None:
        self.next_app = next_app
        self.limit = limit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        has_body = environ.get("CONTENT_LENGTH", "") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ
        if not has_body or not environ.get("SERVER_PROTOCOL", "").startswith("HTTP/1"):
            return self.next_app(environ, start_response)  # a GET, the share redirects: nothing to do
        body = CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = body

        # The app calls start_response once its answer is decided, after it read what it reads of the body.
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not rest_is_read(environ, body, self.limit):
                headers = [(name, value) for name, value in headers if name.lower() != "connection"]
                headers.append(("Connection", "close"))
            return start_response(status, headers, exc_info)

        return self.next_app(environ, start)
