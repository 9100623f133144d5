"""The cluster's plan (pure): each server's loopback address, the servers' command lines and HAProxy's configuration.

Linux answers on every address of 127.0.0.0/8 without any set-up, so each server of `distro cluster` listens on an
address of its own, as it would on a machine of its own: nothing reaches it through another's address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

POSTGRES_PORT = 5432
REDIS_PORT = 6379
WEB_PORT = 8000
DATABASE = "distro"
DATABASE_USER = "distro"
REPLICATION_SLOT = "replica1"
"""The replica's physical replication slot: the primary keeps the WAL the replica has not received, so a replica
stopped for a while catches up when it starts again instead of needing a new base backup."""


@dataclass(frozen=True)
class Plan:
    """Where each server of the cluster listens: a /24 of loopback addresses (subnet "127.0.10") and the proxy's
    port on 127.0.0.1, where browsers, buyers' phones and the order system reach distro."""

    subnet: str = "127.0.10"
    proxy_port: int = 8700
    webs: int = 2
    workers: int = 2

    @property
    def primary(self) -> str:
        """The PostgreSQL primary's address."""
        return f"{self.subnet}.1"

    @property
    def replica(self) -> str:
        """The streaming replica's address."""
        return f"{self.subnet}.2"

    @property
    def redis(self) -> str:
        """Redis's address."""
        return f"{self.subnet}.3"

    @property
    def web_binds(self) -> list[str]:
        """Each `distro web`'s host:port (127.0.10.11, .12, …)."""
        return [f"{self.subnet}.{11 + number}:{WEB_PORT}" for number in range(self.webs)]

    @property
    def proxy_bind(self) -> str:
        """HAProxy's host:port."""
        return f"127.0.0.1:{self.proxy_port}"

    @property
    def public_base_url(self) -> str:
        """distro's public address: the proxy's, so share links and the demo cashier's callbacks go through it."""
        return f"http://{self.proxy_bind}"

    def database_url(self, host: str) -> str:
        """The SQLAlchemy URL of distro's database on the PostgreSQL at host."""
        return f"postgresql+psycopg://{DATABASE_USER}@{host}:{POSTGRES_PORT}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        """Redis's URL."""
        return f"redis://{self.redis}:{REDIS_PORT}/0"


def check_plan(plan: Plan) -> list[str]:
    """What is wrong with a plan (empty when nothing): a subnet outside 127.0.0.0/8, counts out of range, a bad port."""
    failures = []
    parts = plan.subnet.split(".")
    if len(parts) != 3 or parts[0] != "127" or not all(part.isdigit() and int(part) <= 255 for part in parts):
        failures.append(f"subnet {plan.subnet!r} is not three numbers of 127.0.0.0/8, e.g. 127.0.10")
    elif parts[1:] == ["0", "0"]:
        failures.append("subnet 127.0.0 is 127.0.0.1's own: choose another, e.g. 127.0.10")
    if not 1 <= plan.webs <= 9:
        failures.append("webs must be between 1 and 9")
    if not 1 <= plan.workers <= 9:
        failures.append("workers must be between 1 and 9")
    if not 1024 <= plan.proxy_port <= 65535:
        failures.append(f"proxy port {plan.proxy_port} is not between 1024 and 65535")
    return failures


def postgres_options(*, listen: str, sockets: str, log_name: str) -> list[str]:
    """The `-c` settings of a cluster PostgreSQL (primary and replica alike): its address, a socket directory of its
    own, and enough connections for two web servers, two workers, cron and their forked job processes."""
    settings = {
        "listen_addresses": listen,
        "port": str(POSTGRES_PORT),
        "unix_socket_directories": sockets,
        "max_connections": "300",
        "wal_level": "replica",
        "max_wal_senders": "5",
        "max_replication_slots": "5",
        "hot_standby": "on",
        # A replica's queries are cancelled when replay must remove rows they still see; reads there are short.
        "hot_standby_feedback": "on",
        "logging_collector": "off",
        "log_line_prefix": f"%m [{log_name}] ",
        "fsync": "on",
    }
    options: list[str] = []
    for name, value in settings.items():
        options += ["-c", f"{name}={value}"]
    return options


HBA = """\
# distro cluster: every client on this machine's loopback, the replica's replication stream included.
local   all             all                                     trust
host    all             all             127.0.0.0/8             trust
host    replication     all             127.0.0.0/8             trust
"""
"""pg_hba.conf: trust on loopback only. The cluster is one machine's demonstration; production uses passwords or
certificates (README, Production)."""


def redis_argv(executable: str, *, host: str, directory: str) -> list[str]:
    """redis-server in the foreground on host, its append-only file in directory (so a restart keeps the queue)."""
    return [
        executable,
        "--bind",
        host,
        "--port",
        str(REDIS_PORT),
        "--dir",
        directory,
        "--appendonly",
        "yes",
        "--daemonize",
        "no",
        "--protected-mode",
        "no",
        "--save",
        "",
    ]


def haproxy_config(plan: Plan) -> str:
    """HAProxy's configuration: the proxy on plan.proxy_bind, round robin over the web servers.

    A web server is checked on /healthz every second and taken out after two failures. A request that could not
    reach one (refused: the process is gone) is sent to the other (redispatch), so a killed web process costs no
    failed request. A GET, or a webhook (idempotent by its webhook-id), whose server died or closed the connection
    before answering is sent again to the other server; other POSTs are not (a buyer's order must not be placed
    twice), and a 502 then reaches the client.
    """
    servers = "\n".join(f"    server web{number} {bind} check" for number, bind in enumerate(plan.web_binds, 1))
    return f"""\
# Rendered by distro/cluster/plan.py:haproxy_config; `distro cluster` writes it afresh at every start.
global
    maxconn 4096

defaults
    mode http
    option httplog
    log stdout format raw local0
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 15s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2

frontend distro
    bind {plan.proxy_bind}
    option forwardfor
    # A buyer's order or a payment sent again could be placed twice: only GETs and the idempotent webhook
    # are retried once they may have reached a server.
    http-request disable-l7-retry if METH_POST !{{ path_beg /webhooks/ }}
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz
    http-check expect status 200
{servers}
"""


def process_environment(plan: Plan, base: Mapping[str, str], var_dir: str) -> dict[str, str]:
    """The environment of every distro process of the cluster: the primary, the replica, Redis and the public address.

    Other DISTRO_* settings of the caller's environment pass through (a hold period for the drill, say); the servers'
    addresses and the data directory do not, so a shell's DISTRO_DATABASE_URL cannot point the cluster elsewhere.
    """
    own = {
        "DISTRO_DATABASE_URL": plan.database_url(plan.primary),
        "DISTRO_REPLICA_DATABASE_URL": plan.database_url(plan.replica),
        "DISTRO_REDIS_URL": plan.redis_url,
        "DISTRO_PUBLIC_BASE_URL": plan.public_base_url,
        "DISTRO_VAR_DIR": var_dir,
        # HAProxy (option forwardfor) is the one proxy in front: the client's address is the one it appends.
        "DISTRO_TRUSTED_PROXY_HOPS": "1",
    }
    passed = {name: value for name, value in base.items() if name not in own and name != "DISTRO_BIND"}
    # Two cores run the whole cluster: one granian worker per web server unless the caller asks for more.
    passed.setdefault("DISTRO_WEB_WORKERS", "1")
    return {**passed, **own}
