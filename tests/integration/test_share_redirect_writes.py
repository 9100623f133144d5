"""Following a share link writes nothing to PostgreSQL, as PostgreSQL itself counts writes.

PostgreSQL counts every row a backend inserts, updates or deletes (in any table, system catalogs and
temporary tables included, committed or rolled back) and adds the counts to pg_stat_database when the
backend ends at the latest. So the app's connections are closed and their backends waited out before
each reading; and a purchase through the same app, measured the same way, shows the counters do move.
"""

import time

import sqlalchemy as sa
from sqlmodel import Session

from distro.db import engine_for
from distro.share import services
from tests.factories import add_to_shop, make_product, make_shop, make_supplier, make_user

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40"
OTHER_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def rows_written(observer: sa.Connection, database_url: str) -> tuple[int, int, int]:
    """Rows inserted, updated and deleted in the database so far, once every app connection has ended."""
    engine_for(database_url).dispose()
    deadline = time.monotonic() + 30
    while observer.scalar(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    ):
        assert time.monotonic() < deadline, "the app's connections did not end"
        time.sleep(0.05)
    # A backend's counts reach pg_stat_database before it leaves pg_stat_activity (PostgreSQL flushes its
    # statistics in a before-shmem-exit callback; its activity slot is cleared later, at shmem exit).
    written = observer.execute(
        sa.text(
            "SELECT tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()"
        )
    ).one()
    return tuple(written)  # type: ignore[return-value]


def test_following_share_links_writes_no_row_and_a_purchase_through_the_same_app_does(
    committed_app, committed_db, redis
):
    with Session(engine_for(committed_db)) as session:
        supplier_user, _ = make_supplier(session, committed_app)
        product = make_product(session, committed_app, supplier_user, title="补水面膜")
        owner = make_user(session)
        shop = make_shop(session, committed_app, owner)
        add_to_shop(session, committed_app, owner, shop, product)
        codes = [
            services.create_link(
                session=session, owner_id=owner.id, shop_id=shop.id, channel=channel, product_id=product_id
            ).code
            for channel, product_id in [("wechat_moments", product.id), ("weibo", None)]
        ]
        shop_slug, product_id = shop.slug, product.id
    observer_engine = sa.create_engine(committed_db, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with observer_engine.connect() as observer:
        before = rows_written(observer, committed_db)

        phone, other_phone = committed_app.test_client(), committed_app.test_client()
        for code in codes:
            for client, agent in [(phone, PHONE_UA), (phone, PHONE_UA), (other_phone, OTHER_UA)]:
                response = client.get(f"/s/{code}", headers={"User-Agent": agent})
                assert response.status_code == 302
            assert phone.head(f"/s/{code}").status_code == 302
        committed_app.extensions["distro.clicks"].flush()
        assert redis.xlen(services.CLICK_STREAM) == 6  # every person's click was counted, in Redis
        after_following = rows_written(observer, committed_db)
        assert after_following == before

        # The same measurement sees a write the same app makes: the purchase that follows the click.
        bought = phone.post(
            f"/shop/{shop_slug}/p/{product_id}/buy",
            data={"quantity": "1", "name": "张三", "phone": "13812345678", "address": "上海市浦东新区世纪大道100号"},
        )
        assert bought.status_code == 303
        assert rows_written(observer, committed_db)[0] > after_following[0]
    observer_engine.dispose()
