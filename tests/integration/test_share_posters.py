"""Posters through the endpoint: the product's picture on them, a shop's picks, and images that fail."""

import io
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from distro.share import services
from distro.share.images import LocalImageSource
from distro.share.poster import IMAGE_BOX, MAX_IMAGES, PLACEHOLDER_COLOUR, image_cells
from distro.suppliers.models import Product
from tests.cdn import running_cdn
from tests.factories import add_to_shop, make_product, make_shop, make_supplier, make_user

QUADRANTS = [(220, 40, 40), (40, 170, 70), (40, 70, 210), (240, 190, 20)]  # top left, top right, bottom left, right


def quadrant_png(colours=QUADRANTS, size=800) -> bytes:
    image = Image.new("RGB", (size, size))
    half = size // 2
    for colour, (left, top) in zip(colours, [(0, 0), (half, 0), (0, half), (half, half)], strict=True):
        image.paste(colour, (left, top, left + half, top + half))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def close(pixel, colour, tolerance=4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.fixture
def var_dir(app, tmp_path, monkeypatch) -> Path:
    """Posters and local images of this test under tmp_path, not the developer's var/."""
    monkeypatch.setitem(app.config, "VAR_DIR", str(tmp_path))
    (tmp_path / "images").mkdir()
    return tmp_path


def image_url(app, name: str) -> str:
    return f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/images/{name}"


def shop_with(session, app, products: list[dict]):
    """A shop carrying one product per entry (title, image_urls, ...), in that order; returns (shop, products)."""
    supplier_user, _ = make_supplier(session, app)
    owner = make_user(session)
    shop = make_shop(session, app, owner)
    made = []
    for values in products:
        product = make_product(session, app, supplier_user, **values)
        add_to_shop(session, app, owner, shop, product)
        made.append(product)
    return owner, shop, made


def link(session, owner, shop, product=None):
    return services.create_link(
        session=session,
        owner_id=owner.id,
        shop_id=shop.id,
        channel="wechat_moments",
        product_id=product.id if product else None,
    )


def poster_of(client, code: str) -> Image.Image:
    response = client.get(f"/s/{code}/poster.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def test_the_poster_shows_the_products_picture(client, app, session, var_dir):
    (var_dir / "images" / "mask.png").write_bytes(quadrant_png())
    owner, shop, [mask] = shop_with(session, app, [{"title": "补水面膜", "image_urls": [image_url(app, "mask.png")]}])
    poster = poster_of(client, link(session, owner, shop, mask).code)
    # The square picture covers the 1080×1000 area: scaled to 1080 wide, 40 px cut from top and bottom.
    left, top, right, bottom = IMAGE_BOX
    samples = [
        (left + 270, top + 250),
        (right - 270, top + 250),
        (left + 270, bottom - 250),
        (right - 270, bottom - 250),
    ]
    for point, colour in zip(samples, QUADRANTS, strict=True):
        assert close(poster.getpixel(point), colour), (point, poster.getpixel(point), colour)


def test_the_landing_pages_show_the_picture_distro_serves(client, app, session, var_dir):
    picture = quadrant_png()
    (var_dir / "images" / "mask.png").write_bytes(picture)
    url = image_url(app, "mask.png")
    _, shop, [mask] = shop_with(session, app, [{"title": "补水面膜", "image_urls": [url]}])
    assert f'<img class="hero" src="{url}"'.encode() in client.get(f"/shop/{shop.slug}/p/{mask.id}").data
    assert f'<img class="thumb" src="{url}"'.encode() in client.get(f"/shop/{shop.slug}").data
    served = client.get("/images/mask.png")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == picture
    assert client.get("/images/..%2Fposters.png").status_code == 404


def test_a_new_picture_renders_a_new_poster(client, app, session, var_dir):
    path = var_dir / "images" / "mask.png"
    path.write_bytes(quadrant_png())
    owner, shop, [mask] = shop_with(session, app, [{"image_urls": [image_url(app, "mask.png")]}])
    code = link(session, owner, shop, mask).code
    first = poster_of(client, code)
    path.write_bytes(quadrant_png(list(reversed(QUADRANTS))))
    second = poster_of(client, code)
    assert close(first.getpixel((270, 250)), QUADRANTS[0]) and close(second.getpixel((270, 250)), QUADRANTS[3])
    assert len(list((var_dir / "posters").glob("*.png"))) == 2


@pytest.mark.parametrize("source", ["local", "http"])
def test_a_picture_that_cannot_be_had_still_gives_a_poster_with_the_placeholder(
    client, app, session, var_dir, monkeypatch, caplog, source
):
    monkeypatch.setitem(app.config, "PRODUCT_IMAGE_SOURCE", source)
    # Local: a file distro does not have. Http: a port nothing listens on, on an address distro refuses anyway.
    url = image_url(app, "gone.png") if source == "local" else "http://127.0.0.1:9/gone.png"
    owner, shop, [mask] = shop_with(session, app, [{"image_urls": [url]}])
    with caplog.at_level(logging.WARNING, logger="distro.share.services"):
        poster = poster_of(client, link(session, owner, shop, mask).code)
    assert poster.getpixel((10, 10)) == PLACEHOLDER_COLOUR
    assert poster.getpixel((IMAGE_BOX[2] - 10, IMAGE_BOX[3] - 10)) == PLACEHOLDER_COLOUR
    assert any(str(mask.id) in record.getMessage() and url in record.getMessage() for record in caplog.records)


def test_a_picture_on_a_loopback_address_is_never_fetched_and_the_poster_keeps_its_placeholder(
    client, app, session, var_dir, monkeypatch
):
    monkeypatch.setitem(app.config, "PRODUCT_IMAGE_SOURCE", "http")
    with running_cdn("127.0.0.1") as cdn:
        owner, shop, [mask] = shop_with(session, app, [{"image_urls": [cdn.url("/photo.png")]}])
        poster = poster_of(client, link(session, owner, shop, mask).code)
    assert poster.getpixel((10, 10)) == PLACEHOLDER_COLOUR
    assert poster.getpixel((IMAGE_BOX[2] - 10, IMAGE_BOX[3] - 10)) == PLACEHOLDER_COLOUR
    assert cdn.hits == []


def test_a_shop_poster_shows_the_shop_and_its_picks_pictures_without_a_price(client, app, session, var_dir):
    products = []
    for number, colour in enumerate(QUADRANTS[:3], 1):
        (var_dir / "images" / f"pick-{number}.png").write_bytes(quadrant_png([colour] * 4, size=200))
        products.append(
            {
                "title": f"好物{number}号",
                "price_fen": 990 * number,
                "image_urls": [image_url(app, f"pick-{number}.png")],
            }
        )
    owner, shop, _ = shop_with(session, app, products)
    shop_link = link(session, owner, shop)
    card = services.poster_card(
        session,
        shop_link.code,
        share_url="https://d.example.cn/s/x",
        images=LocalImageSource(app.config["PUBLIC_BASE_URL"], var_dir / "images"),
    )
    assert (card.title, card.price_fen, card.tagline) == (shop.display_name, None, "店主精选 3 件好物 · 供应商直发")
    assert card.reason == "· 好物1号\n· 好物2号\n· 好物3号"
    poster = poster_of(client, shop_link.code)
    for colour, (left, top, right, bottom) in zip(QUADRANTS[:3], image_cells(3), strict=True):
        assert close(poster.getpixel(((left + right) // 2, (top + bottom) // 2)), colour)


def test_a_shop_with_nothing_picked_yet_gets_a_poster_that_says_so(client, app, session, var_dir):
    owner, shop, _ = shop_with(session, app, [])
    shop_link = link(session, owner, shop)
    card = services.poster_card(
        session, shop_link.code, share_url="https://d.example.cn/s/x", images=LocalImageSource("", var_dir)
    )
    assert (card.price_fen, card.images, card.tagline) == (None, (), "店主正在挑选好物，敬请期待")
    assert poster_of(client, shop_link.code).getpixel((10, 10)) == PLACEHOLDER_COLOUR


def card_of(session, code: str, var_dir: Path):
    return services.poster_card(
        session, code, share_url="https://d.example.cn/s/x", images=LocalImageSource("", var_dir / "images")
    )


def test_a_product_link_shows_its_own_product_wherever_it_stands_in_the_shop(app, session, var_dir):
    owner, shop, [_, second, _] = shop_with(
        session, app, [{"title": "第一件"}, {"title": "第二件", "price_fen": 4_900}, {"title": "第三件"}]
    )
    card = card_of(session, link(session, owner, shop, second).code, var_dir)
    assert (card.title, card.price_fen, card.reason) == ("第二件", 4_900, "每天都在用")
    assert card.shop_name == shop.display_name


def test_a_product_link_whose_product_left_the_pool_shows_the_shop_and_only_picks_still_in_the_pool(
    app, session, var_dir
):
    owner, shop, [_, gone, _] = shop_with(session, app, [{"title": "一号"}, {"title": "二号"}, {"title": "三号"}])
    code = link(session, owner, shop, gone).code
    session.execute(sa.update(Product).where(Product.id == gone.id).values(stock=0))
    session.commit()
    card = card_of(session, code, var_dir)
    assert (card.title, card.price_fen) == (shop.display_name, None)
    assert (card.reason, card.tagline) == ("· 一号\n· 三号", "店主精选 2 件好物 · 供应商直发")


def test_a_shop_poster_counts_every_pick_but_shows_only_the_first_four(app, session, var_dir):
    owner, shop, _ = shop_with(session, app, [{"title": f"好物{number}号"} for number in range(1, 7)])
    card = card_of(session, link(session, owner, shop).code, var_dir)
    assert card.reason == "\n".join(f"· 好物{number}号" for number in range(1, MAX_IMAGES + 1))
    assert card.tagline == "店主精选 6 件好物 · 供应商直发"


@pytest.mark.parametrize("code", ["Zz9Zz9Zz", "not-a-code"])
def test_the_poster_of_an_unknown_link_is_not_found(client, var_dir, code):
    assert client.get(f"/s/{code}/poster.png").status_code == 404


def test_a_cached_poster_is_answered_with_one_database_statement(client, app, session, connection, var_dir):
    (var_dir / "images" / "mask.png").write_bytes(quadrant_png())
    owner, shop, [mask] = shop_with(session, app, [{"image_urls": [image_url(app, "mask.png")]}])
    code = link(session, owner, shop, mask).code
    poster_of(client, code)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        poster_of(client, code)
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    # The test's transaction wraps each request in a savepoint, which production does not have.
    assert len([s for s in statements if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", s)]) == 1
