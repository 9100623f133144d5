"""`distro web`'s command line: the BIND setting becomes granian's host and port."""

import pytest

from distro.cli import web_server_argv

SETTINGS = {"WEB_WORKERS": 3, "WEB_THREADS": 5}


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize(
    ("bind", "host", "port"),
    [("127.0.0.1:8000", "127.0.0.1", "8000"), ("[::1]:9000", "::1", "9000"), (":8080", "0.0.0.0", "8080")],  # noqa: S104 - what the code must answer
)
def test_bind_is_split_into_host_and_port(bind, host, port):
    argv = web_server_argv(SETTINGS, bind=bind)
    assert (option(argv, "--host"), option(argv, "--port")) == (host, port)


def test_workers_and_threads_come_from_the_settings_and_the_app_is_last():
    argv = web_server_argv(SETTINGS, bind="127.0.0.1:8000", app="bench.bare_app:app")
    assert (option(argv, "--workers"), option(argv, "--blocking-threads")) == ("3", "5")
    assert option(argv, "--interface") == "wsgi"
    assert argv[-1] == "bench.bare_app:app"
