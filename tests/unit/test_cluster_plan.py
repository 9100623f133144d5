"""The cluster's plan: each server on a loopback address of its own, HAProxy's configuration, and the environment
every distro process of the cluster runs with."""

from __future__ import annotations

from distro.cluster.plan import Plan, check_plan, haproxy_config, postgres_options, process_environment, redis_argv


def test_each_server_listens_on_an_address_of_its_own():
    plan = Plan()
    addresses = [plan.primary, plan.replica, plan.redis, *(bind.split(":")[0] for bind in plan.web_binds)]
    assert addresses == ["127.0.10.1", "127.0.10.2", "127.0.10.3", "127.0.10.11", "127.0.10.12"]
    assert len(set(addresses)) == len(addresses)


def test_the_proxy_is_distros_public_address_and_not_port_8000():
    plan = Plan(proxy_port=8710)
    assert plan.proxy_bind == "127.0.0.1:8710"
    assert plan.public_base_url == "http://127.0.0.1:8710"
    assert Plan().proxy_port != 8000


def test_another_subnet_moves_every_server():
    plan = Plan(subnet="127.0.20", webs=3)
    assert plan.database_url(plan.replica) == "postgresql+psycopg://distro@127.0.20.2:5432/distro"
    assert plan.redis_url == "redis://127.0.20.3:6379/0"
    assert plan.web_binds == ["127.0.20.11:8000", "127.0.20.12:8000", "127.0.20.13:8000"]


def test_a_plan_outside_loopback_or_on_127_0_0_is_refused():
    assert check_plan(Plan()) == []
    assert check_plan(Plan(subnet="10.0.0"))
    assert check_plan(Plan(subnet="127.0.0"))
    assert check_plan(Plan(subnet="127.0.300"))
    assert check_plan(Plan(webs=0))
    assert check_plan(Plan(proxy_port=80))


def test_haproxy_balances_every_web_server_with_health_checks():
    config = haproxy_config(Plan())
    assert "bind 127.0.0.1:8700" in config
    assert "server web1 127.0.10.11:8000 check" in config
    assert "server web2 127.0.10.12:8000 check" in config
    assert "http-check send meth GET uri /healthz" in config


def test_haproxy_sends_a_refused_request_to_the_other_server_and_retries_only_what_is_safe_to_repeat():
    config = haproxy_config(Plan())
    assert "option redispatch" in config
    assert "retry-on conn-failure empty-response response-timeout" in config
    assert "http-request disable-l7-retry if METH_POST !{ path_beg /webhooks/ }" in config


def test_postgres_listens_only_on_its_own_address_and_can_stream_to_a_replica():
    options = postgres_options(listen="127.0.10.2", sockets="/srv/sockets", log_name="replica")
    settings = dict(option.split("=", 1) for option in options[1::2])
    assert options[::2] == ["-c"] * len(settings)
    assert settings["listen_addresses"] == "127.0.10.2"
    assert settings["wal_level"] == "replica"
    assert settings["hot_standby"] == "on"


def test_redis_keeps_an_append_only_file_on_its_own_address():
    argv = redis_argv("/usr/bin/redis-server", host="127.0.10.3", directory="/d")
    assert argv[argv.index("--bind") + 1] == "127.0.10.3"
    assert argv[argv.index("--appendonly") + 1] == "yes"


def test_distro_processes_use_the_clusters_servers_whatever_the_shell_says():
    shell = {"PATH": "/bin", "DISTRO_DATABASE_URL": "postgresql://elsewhere/x", "DISTRO_BIND": "0.0.0.0:1"}
    env = process_environment(Plan(), {**shell, "DISTRO_COMMISSION_HOLD_DAYS": "0"}, "/v")
    assert env["DISTRO_DATABASE_URL"] == "postgresql+psycopg://distro@127.0.10.1:5432/distro"
    assert env["DISTRO_REPLICA_DATABASE_URL"] == "postgresql+psycopg://distro@127.0.10.2:5432/distro"
    assert env["DISTRO_PUBLIC_BASE_URL"] == "http://127.0.0.1:8700"
    assert env["DISTRO_COMMISSION_HOLD_DAYS"] == "0"
    assert env["PATH"] == "/bin"
    assert "DISTRO_BIND" not in env


def test_distro_trusts_the_one_proxy_in_front_for_the_clients_address_and_it_sends_it():
    env = process_environment(Plan(), {"DISTRO_TRUSTED_PROXY_HOPS": "3"}, "/v")
    assert env["DISTRO_TRUSTED_PROXY_HOPS"] == "1"
    assert "option forwardfor" in haproxy_config(Plan())
