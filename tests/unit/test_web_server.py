"""`distro web`'s command line: the BIND setting becomes granian's host and port, refused when already taken."""

import socket

import click
import pytest

from distro.cli import refuse_a_taken_address, web_server_argv

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


def listening_as_granian_does() -> socket.socket:
    """A socket listening on a free loopback port with SO_REUSEPORT, as granian's are."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "", "localhost"])  # noqa: S104 - every interface covers it
def test_an_address_already_listened_on_is_refused_with_the_address_and_what_to_do(host):
    with listening_as_granian_does() as server:
        bind = f"{host}:{server.getsockname()[1]}"
        with pytest.raises(click.ClickException, match="already in use") as refused:
            refuse_a_taken_address(bind)
    assert bind in refused.value.message and "DISTRO_BIND" in refused.value.message


def test_an_address_free_again_is_not_refused():
    with listening_as_granian_does() as server:
        port = server.getsockname()[1]
    refuse_a_taken_address(f"127.0.0.1:{port}")


@pytest.mark.parametrize("bind", ["127.0.0.1:http", "no-such-host.invalid:8000"])
def test_a_bind_that_names_no_address_is_refused_as_a_setting(bind):
    with pytest.raises(click.ClickException, match="DISTRO_BIND"):
        refuse_a_taken_address(bind)
