"""What the chaos drill reads from the product's stores (bench/chaos/census.py), and how it takes Redis away
(bench/chaos/product.py), on the real PostgreSQL and Redis."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa

from bench.chaos import census, product
from bench.chaos.rules import BookedLine, PaidLine, order_rows
from distro import embedded
from distro.db import session_scope
from distro.demo import DEMO_ORDERS, PRODUCTS, SHOPS
from distro.money import parse_yuan
from distro.share.services import Click, fold_clicks, record_clicks
from tests.conftest import fresh_database


@pytest.fixture
def demo_db(demo_database) -> str:
    """A committed database holding the demo data, its orders processed as `distro run` loads them (for reading)."""
    assert demo_database.loaded
    return demo_database.url


@pytest.fixture
def own_demo_db(demo_database, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the demo database for a test that writes."""
    with fresh_database(demo_database.url) as url:
        monkeypatch.setenv("DISTRO_DATABASE_URL", url)
        yield url


def demo_paid_lines() -> list[PaidLine]:
    """Every line of the demo orders, net of its refund, at its product's rate: what each must carry."""
    lines = []
    for order_ref, _, items, _, _, refund in DEMO_ORDERS:
        for number, (index, quantity) in enumerate(items, 1):
            _, _, _, price, _, _, rate_bp = PRODUCTS[index]
            paid = parse_yuan(price) * quantity - (refund if number == 1 else 0)
            lines.append(PaidLine(order_ref, str(number), paid, rate_bp))
    return lines


def test_each_demo_order_line_has_one_commission_line_one_accrual_and_its_pool_in_the_ledger(demo_db):
    database = census.engine(demo_db)
    lines = demo_paid_lines()
    refs = sorted({line.order_ref for line in lines})
    booked = census.booked_lines(database, refs)
    # DEMO-1007 was refunded in full before it was processed: its line never accrued. Refunds in part and
    # releases to the shops' available balances post too; they are no accruals.
    assert booked[("DEMO-1007", "1")] == BookedLine(commission_lines=1, pool_fen=0, accruals=0, ledger_fen=0)
    rows = order_rows("demo", lines, census.paid_orders(database, refs), booked)
    earning = len(lines) - 1
    assert [(row.sent, row.accounted, row.lost, row.doubled) for row in rows] == [
        (len(refs), len(refs), 0, 0),
        (len(lines), len(lines), 0, 0),
        (earning, earning, 0, 0),
        (len(lines), len(lines), 0, 0),
    ]


def test_an_order_line_without_commission_shows_as_lost(demo_db):
    database = census.engine(demo_db)
    rows = order_rows("demo", [PaidLine("NO-SUCH-ORDER", "1", 100, 2_000)], set(), census.booked_lines(database, []))
    assert [row.lost for row in rows] == [1, 1, 1, 1]


def test_the_catalog_holds_every_demo_shops_products_and_share_links(demo_db):
    catalog = census.catalog(census.engine(demo_db))
    for _, (_, slug, picks) in SHOPS.items():
        assert len(catalog.of_shop(slug)) == len(picks)
    assert len(catalog.links) == 2 * len(SHOPS)
    sku_choices = {name for listing in catalog.listings for name, _ in listing.skus}
    assert "樱花粉" not in sku_choices and "曜石黑" in sku_choices  # a sold-out SKU is no choice


def test_clicks_count_as_unfolded_until_the_fold_moves_past_them(own_demo_db, redis):
    demo_db = own_demo_db
    database = census.engine(demo_db)
    assert census.clicks_unfolded(database, redis) is False
    code, _ = census.catalog(database).links[0]
    with session_scope(demo_db) as session:
        link_id = session.execute(sa.text("SELECT id FROM share_links WHERE code = :code"), {"code": code}).scalar_one()
        record_clicks(redis, [Click(link_id, "v:a", dt.datetime.now(dt.UTC))])
        assert census.clicks_unfolded(database, redis) is True
        assert fold_clicks(session=session, connection=redis) == 1
    assert census.clicks_unfolded(database, redis) is False
    assert census.click_totals(database) == (1, 1)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Path]:
    """A var directory whose embedded Redis this test starts, and stops at the end."""
    embedded.ensure_redis(tmp_path)
    yield tmp_path
    embedded.stop_redis(tmp_path)


def test_a_killed_redis_refuses_connections_and_starts_again_with_its_data(own_redis):
    url = product.redis_url(own_redis)
    redis_lib.Redis.from_url(url).set("kept", "yes")
    product.kill_redis(own_redis)
    with pytest.raises(redis_lib.exceptions.ConnectionError):
        redis_lib.Redis.from_url(url).ping()
    product.start_redis(own_redis)
    assert redis_lib.Redis.from_url(url).get("kept") == b"yes"
