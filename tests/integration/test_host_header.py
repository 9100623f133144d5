"""URLs come from configuration only: no redirect or link is made from the request's Host header, and a
request naming a host distro does not serve is refused (in production as in development)."""

import re

from sqlmodel import Session

from distro.app import create_app
from distro.share.models import ShareLink
from tests.factories import make_shop, make_user
from tests.unit.test_settings import PRODUCTION

EVIL = "evil.example"
PUBLIC = "https://shop.example.cn"
# A trusted name (loopback, in development) that is not PUBLIC_BASE_URL's: a URL made from the Host header
# would show it.
NOT_PUBLIC = "localhost"
SAMPLES = {"int": "1", "path": "x/y"}
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def sample_path(rule: str) -> str:
    """The rule's path with a sample value in each placeholder ("/shop/<slug>/p/<int:id>" → "/shop/x/p/1")."""
    return PLACEHOLDER.sub(lambda found: SAMPLES.get(found.group(1) or "", "x"), rule)


def variants(path: str) -> list[str]:
    """path as written, with its trailing slash added or taken away, and with a slash doubled (Werkzeug's own
    redirects answer the last two)."""
    toggled = path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"
    last = path.rstrip("/").rfind("/")
    doubled = f"{path[:last]}/{path[last:]}" if last > 0 else path + "/"
    return [path, toggled, doubled]


def is_relative_or_public(location: str, public: str) -> bool:
    return (location.startswith("/") and not location.startswith("//")) or location.startswith(public + "/")


def production_app(monkeypatch, database_url: str, redis_url: str, **overrides):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, **overrides})


def test_a_doubled_slash_with_a_foreign_host_never_redirects_to_that_host(client):
    refused = client.get("/s//x", headers={"Host": EVIL})
    assert refused.status_code == 400 and EVIL not in refused.headers.get("Location", "")
    # With a host distro answers to, Werkzeug's redirect of the doubled slash stays on it: a path.
    merged = client.get("/s//x", headers={"Host": NOT_PUBLIC})
    assert (merged.status_code, merged.headers["Location"]) == (308, "/s/x")


def test_every_location_distro_sends_is_a_path_or_on_the_public_address(app, client):
    public = app.config["PUBLIC_BASE_URL"]
    assert NOT_PUBLIC not in public
    sent: list[tuple[str, str, str]] = []
    naming_the_host: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        for path in variants(sample_path(rule.rule)):
            for method in sorted((rule.methods or set()) - {"OPTIONS"}):
                if method == "POST":  # a page form is posted with its CSRF token, so the view itself answers
                    response = client.post(path, headers={"Host": NOT_PUBLIC})
                else:
                    response = client.open(path, method=method, headers={"Host": NOT_PUBLIC})
                assert response.status_code != 500, (method, path)
                if f"//{NOT_PUBLIC}".encode() in response.get_data():  # pictures answer bytes, not text
                    naming_the_host.append((method, path))
                if "Location" in response.headers:
                    sent.append((method, path, response.headers["Location"]))
    assert len(sent) > 10, f"the walk reached too few redirects to check: {sent}"
    assert [each for each in sent if not is_relative_or_public(each[2], public)] == []
    assert naming_the_host == []


def test_a_production_app_refuses_a_host_it_does_not_serve_with_a_problem(
    app, monkeypatch, database_url, server_urls, session
):
    owner = make_user(session)
    shop = make_shop(session, app, owner, slug="hostcheck")  # opened at once, as in development
    session.add(ShareLink(code="HostChk1", shop_id=shop.id, channel="qr", created_by=owner.id))
    session.commit()
    app = production_app(
        monkeypatch, database_url, server_urls["redis"], TRUSTED_HOSTS=["admin.example.cn", ".cdn.example.cn"]
    )
    # Requests see the test's data, so the share redirect has a link to follow.
    app.extensions["distro.session_factory"] = lambda: Session(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )
    client = app.test_client()
    for host in (EVIL, "localhost", "127.0.0.1:8000", "shop.example.cn.evil.example", "[::1]"):
        for path in ("/api/openapi.json", "/s/HostChk1", "/s//x", "/shop/hostcheck"):
            refused = client.get(path, headers={"Host": host})
            assert refused.status_code == 400, (host, path)
            assert refused.mimetype == "application/problem+json"
            assert refused.get_json()["type"] == "urn:distro:problem:untrusted-host"
            assert "Location" not in refused.headers
    for host in ("shop.example.cn", "SHOP.example.cn:443", "admin.example.cn", "img.cdn.example.cn"):
        assert client.get("/api/openapi.json", headers={"Host": host}).status_code == 200, host
    followed = client.get("/s/HostChk1", headers={"Host": "shop.example.cn"})
    assert (followed.status_code, followed.headers["Location"]) == (302, "/shop/hostcheck")
    # Health probes name the address they reach the process at, which is no public name.
    assert client.get("/healthz", headers={"Host": "10.0.3.7:8000"}).status_code == 200


def test_a_development_app_also_answers_to_loopback_names(app):
    client = app.test_client()
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
        assert client.get("/api/openapi.json", headers={"Host": host}).status_code == 200, host
    assert client.get("/api/openapi.json", headers={"Host": EVIL}).status_code == 400
