"""The owner app's frame: its tabs behind the page session, its language, its static files and its manifest."""

from __future__ import annotations

import gzip
import hashlib
import io

from PIL import Image

from distro.assets import STATIC_ROOT
from distro.auth.models import Role
from tests.factories import PASSWORD, make_user

HTMX = "vendor/htmx-2.0.11/htmx.min.js"
TABS = ("/my", "/my/pool", "/my/promote", "/my/earnings", "/my/me")
UNDER_ME = ("/my/tier", "/my/data", "/my/messages")


def signed_in(client, session):
    owner = make_user(session, Role.SHOP_OWNER)
    assert client.post("/login", data={"login": owner.email, "password": PASSWORD}).status_code == 303
    return owner


def test_every_tab_and_page_under_them_asks_a_visitor_to_sign_in_first(client, session):
    for path in TABS + UNDER_ME:
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next="), path


def test_every_owner_page_has_the_tab_bar_the_manifest_and_htmx_from_distro_itself(client, session):
    signed_in(client, session)
    for path in TABS + UNDER_ME:
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert 'rel="manifest" href="/manifest.webmanifest"' in html, path
        assert f'src="/static/{HTMX}?v=' in html, path
        assert html.count('<nav class="tabbar"') == 1 and all(f'href="{tab}"' in html for tab in TABS), path
        assert html.count('aria-current="page"') == 1, path
        assert "http://" not in html and "https://" not in html, path  # nothing from another origin


def test_a_page_is_in_chinese_unless_the_owner_chooses_english_or_the_browser_asks_only_for_it(client, session):
    signed_in(client, session)
    assert '<html lang="zh-CN">' in client.get("/my/me").get_data(as_text=True)
    assert ">首页<" in client.get("/my/me", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)
    english = client.get("/my/me", headers={"Accept-Language": "en-GB, en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in english and ">Home<" in english
    assert client.post("/my/lang", data={"lang": "en"}).headers["Location"] == "/my/me"
    chosen = client.get("/my/me", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in chosen and ">Sign out<" in chosen
    client.post("/my/lang", data={"lang": "klingon"})  # not a language distro has: the choice stays
    assert ">Sign out<" in client.get("/my/me").get_data(as_text=True)
    client.post("/my/lang", data={"lang": "zh_CN"})
    assert ">退出登录<" in client.get("/my/me", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_a_static_file_under_its_digest_is_cached_for_a_year_and_sent_gzipped(client):
    body = (STATIC_ROOT / HTMX).read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:12]
    answer = client.get(f"/static/{HTMX}?v={digest}", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.data) == body and len(answer.data) < len(body) / 2
    assert "max-age=31536000" in answer.headers["Cache-Control"] and "immutable" in answer.headers["Cache-Control"]
    assert answer.headers["Vary"] == "Accept-Encoding" and answer.mimetype in (
        "text/javascript",
        "application/javascript",
    )
    plain = client.get(f"/static/{HTMX}?v={digest}")
    assert plain.data == body and "Content-Encoding" not in plain.headers
    again = client.get(f"/static/{HTMX}?v={digest}", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_a_static_file_without_its_current_digest_is_revalidated_and_nothing_outside_static_is_served(client):
    stale = client.get(f"/static/{HTMX}?v=000000000000")
    assert stale.status_code == 200 and "no-cache" in stale.headers["Cache-Control"]
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/vendor/none.js", "/static/vendor"):
        assert client.get(path).status_code == 404, path


def test_the_manifest_opens_the_app_at_home_with_icons_of_both_sizes(client):
    answer = client.get("/manifest.webmanifest")
    manifest = answer.get_json(force=True)
    assert answer.mimetype == "application/manifest+json"
    assert manifest["start_url"] == "/my" and manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.mimetype == "image/png"
        with Image.open(io.BytesIO(picture.data)) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
    assert client.get("/my/icon-64.png").status_code == 404


def test_the_icon_a_browser_asks_for_on_its_own_is_the_apps_not_a_404(client):
    from PIL import Image

    answer = client.get("/favicon.ico")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert Image.open(io.BytesIO(answer.data)).size == (192, 192)


def test_the_sites_bare_address_opens_the_owner_app_and_a_visitor_is_asked_to_sign_in(client):
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/my"
    assert client.get("/", follow_redirects=True).request.path == "/login"
