import threading

import sqlalchemy as sa
from sqlmodel import Session

from distro.app import create_app
from distro.db import engine_for
from distro.errors import ValidationFailed
from distro.shops import services
from distro.shops.models import ShopProduct
from distro.shops.rules import ShopPolicy
from tests.factories import make_product, make_shop, make_supplier


def test_two_picks_at_once_cannot_pass_the_shop_product_limit_together(committed_db, server_urls):
    app = create_app({"DATABASE_URL": committed_db, "REDIS_URL": server_urls["redis"], "SHOP_MAX_PRODUCTS": 1})
    engine = engine_for(committed_db)
    with Session(engine) as session:
        supplier_user, _ = make_supplier(session, app)
        products = [make_product(session, app, supplier_user).id for _ in range(2)]
        shop = make_shop(session, app)
        shop_id, owner_id = shop.id, shop.owner_id
    policy = ShopPolicy.from_settings(app.config)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pick(product_id: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                services.add_product(
                    session=session, owner_id=owner_id, shop_id=shop_id, product_id=product_id, reason="", policy=policy
                )
                outcomes.append("added")
            except ValidationFailed as error:
                outcomes.append(error.errors[0].rule)

    threads = [threading.Thread(target=pick, args=(product_id,)) for product_id in products]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["added", "max_products"]
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ShopProduct)) == 1
