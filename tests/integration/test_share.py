import datetime as dt
import http.client
import io
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
import zxingcpp
from itsdangerous import TimestampSigner
from PIL import Image
from sqlmodel import Session

from bench.harness import free_port
from distro.app import create_app
from distro.auth.models import Role
from distro.db import engine_for
from distro.share import services
from distro.share.clicks import ClickBuffer
from distro.share.models import ClickCount, FoldCursor
from distro.storefront.models import Checkout
from tests.factories import bearer, make_product, make_shop, make_supplier, make_user
from tests.integration.locks import table_locked, wait_until_blocked

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"


@pytest.fixture
def world(app, session):
    supplier_user, supplier = make_supplier(session, app)
    mask = make_product(
        session,
        app,
        supplier_user,
        title="玻尿酸补水面膜",
        price_fen=5_900,
        other_platform_price_fen=9_900,
        commission_rate_bp=3_500,
    )
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, name="小美好物", slug="xiaomei")
    from distro.shops import services as shop_services
    from distro.shops.rules import ShopPolicy

    shop_services.add_product(
        session=session,
        owner_id=owner.id,
        shop_id=shop.id,
        product_id=mask.id,
        reason="天天用",
        policy=ShopPolicy.from_settings(app.config),
    )
    return {"owner": owner, "shop": shop, "mask": mask, "supplier": supplier, "supplier_user": supplier_user}


def new_link(client, app, world, channel="wechat_moments", product=True):
    body = {"channel": channel, **({"product_id": world["mask"].id} if product else {})}
    response = client.post(
        f"/api/v1/shops/{world['shop'].id}/share-links", json=body, headers=bearer(app, world["owner"])
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def clicks_in_redis(app, redis):
    """Write the app's buffered clicks now, as its flusher would within CLICK_FLUSH_MS; count the stream."""
    app.extensions["distro.clicks"].flush()
    return redis.xlen(services.CLICK_STREAM)


def fold(app, session, redis):
    app.extensions["distro.clicks"].flush()
    return services.fold_clicks(session=session, connection=redis)


def counts(session):
    return session.execute(sa.select(sa.func.sum(ClickCount.clicks), sa.func.sum(ClickCount.unique_clicks))).one()


def test_an_owner_creates_links_for_the_shop_or_its_products(client, app, session, world):
    link = new_link(client, app, world)
    assert len(link["code"]) == 8 and link["url"].endswith(f"/s/{link['code']}")
    other = make_product(session, app, world["supplier_user"])
    refused = client.post(
        f"/api/v1/shops/{world['shop'].id}/share-links",
        json={"channel": "weibo", "product_id": other.id},
        headers=bearer(app, world["owner"]),
    )
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["rule"] == "in_shop"
    bad_channel = client.post(
        f"/api/v1/shops/{world['shop'].id}/share-links",
        json={"channel": "telegraph"},
        headers=bearer(app, world["owner"]),
    )
    assert bad_channel.status_code == 422
    stranger = make_user(session, Role.SHOP_OWNER)
    assert (
        client.post(
            f"/api/v1/shops/{world['shop'].id}/share-links", json={"channel": "qr"}, headers=bearer(app, stranger)
        ).status_code
        == 404
    )


def test_following_a_link_redirects_and_counts_the_click_in_redis(client, app, session, world, redis):
    link = new_link(client, app, world)
    response = client.get(f"/s/{link['code']}", headers={"User-Agent": PHONE_UA})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/shop/xiaomei/p/{world['mask'].id}"
    cookies = {cookie.split("=")[0] for cookie in response.headers.getlist("Set-Cookie")}
    assert cookies == {"distro_vid", "distro_ref"}
    assert clicks_in_redis(app, redis) == 1
    unknown = client.get("/s/NOPE1234", headers={"User-Agent": PHONE_UA})
    assert unknown.status_code == 404  # a page for the person who clicked, not a problem document
    assert "找不到页面" in unknown.get_data(as_text=True)
    assert "Set-Cookie" not in unknown.headers


def test_the_redirect_still_answers_when_redis_is_down(database_url, tmp_path, session, world):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": f"unix://{tmp_path}/no-redis.sock"})
    app.extensions["distro.session_factory"] = lambda: Session(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )
    from distro.share.models import ShareLink

    link = ShareLink(code="RedisDn1", shop_id=world["shop"].id, channel="qr", created_by=world["owner"].id)
    session.add(link)
    session.commit()
    response = app.test_client().get("/s/RedisDn1", headers={"User-Agent": PHONE_UA})
    assert response.status_code == 302
    assert response.headers["Location"] == "/shop/xiaomei"
    assert app.extensions["distro.clicks"].flush() == 0  # the click is dropped with a warning, nothing raised


def test_one_round_trip_records_a_batch_of_clicks_each_visitor_unique_once_an_hour(redis):
    now = dt.datetime.now(dt.UTC)
    batch = [services.Click(7, "v:a", now), services.Click(7, "v:a", now), services.Click(8, "v:a", now)]
    assert services.record_clicks(redis, batch) == 2  # v:a on link 7 twice counts once; on link 8 anew
    assert services.record_clicks(redis, [services.Click(7, "v:a", now)]) == 0  # still within the hour
    entries = redis.xrange(services.CLICK_STREAM)
    recorded = [(fields[b"l"], fields[b"u"]) for _, fields in entries]
    assert recorded == [(b"7", b"1"), (b"7", b"0"), (b"8", b"1"), (b"7", b"0")]
    assert {int(fields[b"t"]) for _, fields in entries} == {int(now.timestamp())}


def test_a_click_buffer_flushed_before_any_click_writes_nothing(redis):
    assert ClickBuffer(redis, interval_seconds=3600).flush() == 0
    assert redis.xlen(services.CLICK_STREAM) == 0


def test_a_process_forked_after_clicks_writes_only_its_own(redis):
    buffer = ClickBuffer(redis, interval_seconds=3600)  # an hour: only explicit flushes write
    now = dt.datetime.now(dt.UTC)
    buffer.add(services.Click(1, "v:parent", now))
    child = os.fork()
    if child == 0:  # the child: one click of its own, then out without running the parent's exit hooks
        buffer.add(services.Click(2, "v:child", now))
        os._exit(0 if buffer.flush() == 1 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [fields[b"l"] for _, fields in redis.xrange(services.CLICK_STREAM)] == [b"2"]
    assert buffer.flush() == 1  # the parent's click is still the parent's to write
    assert redis.xlen(services.CLICK_STREAM) == 2


def test_a_followed_link_reaches_redis_by_itself_within_the_flush_interval(client, app, session, world, redis):
    link = new_link(client, app, world)
    client.get(f"/s/{link['code']}", headers={"User-Agent": PHONE_UA})
    deadline = time.monotonic() + 5  # the flusher writes within CLICK_FLUSH_MS; 5 s only bounds a failure
    while redis.xlen(services.CLICK_STREAM) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert redis.xlen(services.CLICK_STREAM) == 1


def test_a_web_process_that_exits_writes_its_buffered_clicks_first(committed_app, committed_db, server_urls, redis):
    with Session(engine_for(committed_db)) as session:
        shop = make_shop(session, committed_app, slug="exiting")
        from distro.share.models import ShareLink

        session.add(ShareLink(code="ExitsNow", shop_id=shop.id, channel="qr", created_by=shop.owner_id))
        session.commit()
    # A flush interval of an hour: only the exit can write these clicks.
    env = {**os.environ, "DISTRO_REDIS_URL": server_urls["redis"], "DISTRO_CLICK_FLUSH_MS": "3600000"}
    follow_twice = (
        "from distro.app import create_app; client = create_app().test_client()\n"
        "for _ in range(2):\n"
        f"    assert client.get('/s/ExitsNow', headers={{'User-Agent': {PHONE_UA!r}}}).status_code == 302"
    )
    subprocess.run([sys.executable, "-c", follow_twice], env=env, check=True, timeout=60)  # noqa: S603 (our own code)
    assert redis.xlen(services.CLICK_STREAM) == 2


@pytest.mark.timeout(120)
def test_the_production_web_server_writes_its_workers_buffered_clicks_when_stopped(
    committed_app, committed_db, server_urls, redis
):
    with Session(engine_for(committed_db)) as session:
        shop = make_shop(session, committed_app, slug="stopping")
        from distro.share.models import ShareLink

        session.add(ShareLink(code="WebStops", shop_id=shop.id, channel="qr", created_by=shop.owner_id))
        session.commit()
    port = free_port()
    # A flush interval of an hour: only the workers' exit can write these clicks.
    env = {
        **os.environ,
        "DISTRO_DATABASE_URL": committed_db,
        "DISTRO_REDIS_URL": server_urls["redis"],
        "DISTRO_CLICK_FLUSH_MS": "3600000",
    }
    web = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-m", "distro.cli", "web", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        statuses = []
        while len(statuses) < 6:  # new connections each time, so both workers are likely to take some
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/s/WebStops", headers={"User-Agent": PHONE_UA})
                statuses.append(connection.getresponse().status)
                connection.close()
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, "distro web did not start"
                time.sleep(0.2)
        assert statuses == [302] * 6
        assert redis.xlen(services.CLICK_STREAM) == 0  # still buffered in the workers
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
    assert redis.xlen(services.CLICK_STREAM) == 6


@pytest.mark.parametrize(
    ("method", "agent"),
    [
        ("GET", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
        ("GET", "facebookexternalhit/1.1"),
        ("GET", "Mozilla/5.0 (Linux) MicroMessenger/8.0 MPCrawler"),
        ("GET", "curl/8.4.0"),
        ("GET", ""),
        ("HEAD", PHONE_UA),
    ],
)
def test_bots_and_link_previews_are_redirected_but_not_counted(client, app, session, world, redis, method, agent):
    link = new_link(client, app, world)
    response = client.open(f"/s/{link['code']}", method=method, headers={"User-Agent": agent})
    assert response.status_code == 302
    assert clicks_in_redis(app, redis) == 0


def test_the_same_visitor_counts_once_an_hour_as_unique(client, app, session, world, redis):
    link = new_link(client, app, world)
    for _ in range(3):
        client.get(f"/s/{link['code']}", headers={"User-Agent": PHONE_UA})  # the client keeps the visitor cookie
    app.test_client().get(  # another person
        f"/s/{link['code']}", headers={"User-Agent": PHONE_UA}, environ_base={"REMOTE_ADDR": "198.51.100.20"}
    )
    assert fold(app, session, redis) == 4
    assert tuple(counts(session)) == (4, 2)
    listed = client.get(f"/api/v1/shops/{world['shop'].id}/share-links", headers=bearer(app, world["owner"]))
    assert (listed.get_json()[0]["clicks"], listed.get_json()[0]["unique_clicks"]) == (4, 2)


def test_folding_twice_counts_each_click_once(client, app, session, world, redis):
    link = new_link(client, app, world)

    def person_clicks(person: int) -> None:  # six people, each on a phone of their own
        address = {"REMOTE_ADDR": f"10.0.0.{person}"}
        app.test_client().get(f"/s/{link['code']}", headers={"User-Agent": PHONE_UA}, environ_base=address)

    for person in range(5):
        person_clicks(person)
    assert fold(app, session, redis) == 5
    assert fold(app, session, redis) == 0
    person_clicks(5)
    assert fold(app, session, redis) == 1
    assert tuple(counts(session)) == (6, 6)
    assert redis.xlen(services.CLICK_STREAM) <= 1  # folded clicks are trimmed from Redis


def test_a_fold_killed_midway_loses_and_doubles_nothing(committed_app, committed_db, server_urls, redis):
    engine = engine_for(committed_db)
    with Session(engine) as session:
        make_supplier(session, committed_app)
        shop = make_shop(session, committed_app, slug="killfold")
        from distro.share.models import ShareLink

        session.add(ShareLink(code="KillFold", shop_id=shop.id, channel="qr", created_by=shop.owner_id))
        session.commit()
    client = committed_app.test_client()
    for _ in range(7):
        client.get("/s/KillFold", headers={"User-Agent": PHONE_UA})
    assert clicks_in_redis(committed_app, redis) == 7

    # Hold the counts table so the fold blocks after reading the clicks, then kill it there.
    env = {**os.environ, "DISTRO_DATABASE_URL": committed_db, "DISTRO_REDIS_URL": server_urls["redis"]}
    with table_locked(engine, "share_click_counts"):
        worker = subprocess.Popen(
            [sys.executable, "-c", "from distro.share.jobs import fold_clicks; fold_clicks()"], env=env
        )
        wait_until_blocked(engine, "INSERT INTO share_click_counts")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ClickCount)) == 0
        cursor = session.get(FoldCursor, services.CLICK_STREAM)
        assert cursor is None or cursor.last_id == "0-0"  # the killed fold moved nothing
        assert services.fold_clicks(session=session, connection=redis) == 7
        assert services.fold_clicks(session=session, connection=redis) == 0
        assert tuple(counts(session)) == (7, 1)


def buy(client, slug, product_id, **form):
    data = {"quantity": "1", "name": "张三", "phone": "13812345678", "address": "上海市浦东新区世纪大道100号"}
    data.update(form)
    return client.post(f"/shop/{slug}/p/{product_id}/buy", data=data)


def test_checkout_carries_the_share_code_of_a_valid_referral_cookie(client, app, session, world):
    link = new_link(client, app, world)
    client.get(f"/s/{link['code']}", headers={"User-Agent": PHONE_UA})
    assert buy(client, "xiaomei", world["mask"].id).status_code == 303
    assert session.scalars(sa.select(Checkout.share_code)).one() == link["code"]


def test_a_tampered_or_expired_referral_cookie_is_ignored(client, app, session, world):
    link = new_link(client, app, world)
    valid = TimestampSigner(app.config["SECRET_KEY"], salt="distro.referral").sign(link["code"]).decode()
    # Change the signature's first character: the last one may carry only base64 padding bits.
    value, timestamp, signature = valid.split(".")
    tampered = ".".join([value, timestamp, ("A" if signature[0] != "A" else "B") + signature[1:]])
    client.set_cookie("distro_ref", tampered)
    buy(client, "xiaomei", world["mask"].id)

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 86400

    expired = EightDaysAgo(app.config["SECRET_KEY"], salt="distro.referral").sign(link["code"]).decode()
    client.set_cookie("distro_ref", expired)
    buy(client, "xiaomei", world["mask"].id)
    assert session.scalars(sa.select(Checkout.share_code)).all() == [None, None]


def test_the_buy_form_names_each_bad_field_in_chinese_and_saves_nothing(client, app, session, world):
    response = buy(client, "xiaomei", world["mask"].id, phone="12345", address="短", quantity="0")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "请填写11位手机号" in page and "详细地址需5–300个字" in page  # the address was too short, not missing
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0


@pytest.mark.parametrize("field", ["name", "address"])
def test_a_nul_in_the_buy_form_is_named_in_chinese_and_saves_nothing(client, app, session, world, field):
    response = buy(client, "xiaomei", world["mask"].id, **{field: "张三\x00上海市浦东新区"})
    assert response.status_code == 422
    assert "请勿输入特殊字符" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0


def test_landing_pages_are_chinese_mobile_pages_with_share_meta_tags(client, app, session, world):
    shop_page = client.get("/shop/xiaomei").get_data(as_text=True)
    assert '<html lang="zh-CN">' in shop_page and 'name="viewport"' in shop_page
    assert '<meta property="og:title" content="小美好物的小铺">' in shop_page
    product_page = client.get(f"/shop/xiaomei/p/{world['mask'].id}").get_data(as_text=True)
    assert '<meta property="og:title" content="玻尿酸补水面膜">' in product_page
    assert '<meta itemprop="description" content="天天用">' in product_page
    assert "¥59.00" in product_page and "立即购买" in product_page
    assert '<meta property="product:price:amount" content="59.00">' in product_page
    assert client.get("/shop/nobody").status_code == 404


def test_buyers_phones_are_masked_except_for_the_shipping_supplier(client, app, session, world):
    paid = buy(client, "xiaomei", world["mask"].id)
    cashier = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert "138****5678" in cashier and "13812345678" not in cashier
    order_ref = paid.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/pay/demo/{order_ref}/confirm")
    owner_view = client.get(f"/api/v1/shops/{world['shop'].id}/orders", headers=bearer(app, world["owner"]))
    assert owner_view.get_json()[0]["buyer_phone"] == "138****5678"
    shipping = client.get("/api/v1/supplier/shipments", headers=bearer(app, world["supplier_user"])).get_json()
    assert (shipping[0]["buyer_phone"], shipping[0]["address"]) == ("13812345678", "上海市浦东新区世纪大道100号")


def test_the_qr_codes_decode_to_the_exact_link(client, app, session, world):
    link = new_link(client, app, world)
    png = client.get(f"/s/{link['code']}/qr.png")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [result.text for result in decoded] == [link["url"]]
    svg = client.get(f"/s/{link['code']}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_the_poster_is_rendered_once_per_content_and_anew_after_a_price_change(client, app, session, world):
    link = new_link(client, app, world)
    first = client.get(f"/s/{link['code']}/poster.png")
    assert Image.open(io.BytesIO(first.data)).size == (1080, 1920)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(first.data)))
    assert link["url"] in [result.text for result in decoded]
    from pathlib import Path

    posters = Path(app.config["VAR_DIR"]) / "posters"
    before = {path.name: path.stat().st_mtime_ns for path in posters.glob("*.png")}
    assert client.get(f"/s/{link['code']}/poster.png").data == first.data
    assert {path.name: path.stat().st_mtime_ns for path in posters.glob("*.png")} == before
    client.patch(
        f"/api/v1/supplier/products/{world['mask'].id}",
        json={"price_fen": 4_900},
        headers=bearer(app, world["supplier_user"]),
    )
    assert client.get(f"/s/{link['code']}/poster.png").data != first.data
    assert len(set(posters.glob("*.png")) - {posters / name for name in before}) == 1


def test_the_share_kit_gives_each_channel_what_it_needs(client, app, session, world):
    link = new_link(client, app, world)
    kit = client.get(f"/api/v1/share-links/{link['id']}/kit", headers=bearer(app, world["owner"])).get_json()
    assert kit["wechat"] == {
        "title": "玻尿酸补水面膜",
        "desc": "天天用",
        "link": link["url"],
        "imgUrl": f"{link['url']}/qr.png",
    }
    assert kit["weibo_intent_url"].startswith("https://service.weibo.com/share/share.php?url=")
    assert link["url"] in kit["copy_text"] and "¥59.00" in kit["copy_text"]
    assert kit["poster_url"] == f"{link['url']}/poster.png"
    stranger = make_user(session, Role.SHOP_OWNER)
    assert client.get(f"/api/v1/share-links/{link['id']}/kit", headers=bearer(app, stranger)).status_code == 404
