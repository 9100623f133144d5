"""A request body an app answered without reading is read to its end, or the answer says Connection: close
(distro/keepalive.py); the production server's side of it is tests/integration/test_keep_alive.py."""

import io

from distro.keepalive import DRAIN_LIMIT, UnreadBodies


def refusing(environ, start_response):
    """An app that answers 401 without reading the body, as a view refused for want of a token does."""
    start_response("401 UNAUTHORIZED", [("Content-Type", "application/problem+json"), ("Connection", "keep-alive")])
    return [b"{}"]


def reading(environ, start_response):
    """An app that reads the whole body first."""
    environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    start_response("200 OK", [])
    return [b"{}"]


class EndlessInput(io.BytesIO):
    """A socket's stream: reading past the body would wait for the client's next request."""

    def read(self, size=-1):
        assert size != -1 and self.tell() + size <= len(self.getvalue()), "read past the body"
        return super().read(size)


def call(app, stream, content_length: int | None, **environ):
    """Run app behind UnreadBodies on a body read from stream; (the answer's headers, how much of it was read)."""
    environ = {"REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": stream, **environ}
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    answered: dict = {}

    def start_response(status, headers, exc_info=None):
        answered.update(headers)

    UnreadBodies(app)(environ, start_response)
    return answered, stream.tell()


def body(size: int) -> EndlessInput:
    return EndlessInput(b"x" * size)


def test_a_small_body_left_unread_is_read_to_its_end_and_the_connection_kept():
    headers, read = call(refusing, body(DRAIN_LIMIT), DRAIN_LIMIT)
    assert read == DRAIN_LIMIT
    assert headers["Connection"] == "keep-alive"  # what the app said stands


def test_a_body_too_large_to_read_is_left_and_the_answer_says_connection_close():
    headers, read = call(refusing, body(DRAIN_LIMIT + 1), DRAIN_LIMIT + 1)
    assert (read, headers["Connection"]) == (0, "close")


def test_a_body_the_app_read_is_not_read_again():
    headers, read = call(reading, body(DRAIN_LIMIT * 2), DRAIN_LIMIT * 2)
    assert read == DRAIN_LIMIT * 2 and "close" not in headers.values()


def test_a_body_cut_short_by_the_client_closes_the_connection():
    headers, _ = call(refusing, io.BytesIO(b"x" * 100), 1_000)
    assert headers["Connection"] == "close"


def test_a_client_waiting_to_be_asked_for_its_body_is_not_asked_and_told_connection_close():
    headers, read = call(refusing, body(100), 100, HTTP_EXPECT="100-continue")
    assert (read, headers["Connection"]) == (0, "close")


def test_a_chunked_body_is_read_to_its_end_only_where_the_server_ends_the_stream():
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked"}
    headers, read = call(refusing, io.BytesIO(b"x" * 100), None, **chunked)
    assert (read, headers["Connection"]) == (0, "close")  # what follows might be the next request's bytes
    ended = {**chunked, "wsgi.input_terminated": True}
    headers, read = call(refusing, io.BytesIO(b"x" * 100), None, **ended)
    assert (read, headers["Connection"]) == (100, "keep-alive")
    headers, _ = call(refusing, io.BytesIO(b"x" * (DRAIN_LIMIT + 2)), None, **ended)
    assert headers["Connection"] == "close"


def test_requests_without_a_body_and_http2_requests_pass_untouched():
    for content_length, environ in ((None, {"REQUEST_METHOD": "GET"}), (100, {"SERVER_PROTOCOL": "HTTP/2"})):
        headers, read = call(refusing, body(100), content_length, **environ)
        assert (read, headers["Connection"]) == (0, "keep-alive")
