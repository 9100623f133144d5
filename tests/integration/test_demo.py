"""The demo data `distro run` loads: enough suppliers, pool products and shops to try every feature.

The demo is loaded once, into the module's own database (`demo_database`); each test reads it.
"""

import sqlalchemy as sa
from sqlmodel import Session

from distro.auth.models import User
from distro.db import engine_for, session_scope
from distro.demo import load_demo_data
from distro.phones import phone_reference
from distro.shops.models import Shop
from distro.suppliers.models import Product, ProductSku, Supplier


def test_the_demo_has_three_suppliers_thirty_pool_products_across_categories_and_three_shops(demo_database):
    assert demo_database.loaded is True
    with session_scope(demo_database.url) as session:
        approved = session.scalar(sa.select(sa.func.count()).where(Supplier.status == "approved"))
        pool = session.execute(sa.select(Product.category, Product.recent_sales).where(Product.in_pool)).all()  # type: ignore[arg-type]
        open_shops = session.scalar(sa.select(sa.func.count()).where(Shop.status == "active"))
    assert approved >= 3
    assert len(pool) >= 30
    assert len({category for category, _ in pool}) >= 5
    assert open_shops >= 3
    # Recent sales are counted from the demo orders, not made up.
    assert max(sales for _, sales in pool) == 3  # the diapers: three in one order


def test_the_demo_loads_only_into_an_empty_database(demo_database):
    assert demo_database.loaded is True
    # A second load, in a transaction rolled back afterwards, so the module's database stays as loaded.
    with engine_for(demo_database.url).connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            assert load_demo_data(session=session, settings=demo_database.app.config) is False
            assert session.scalar(sa.select(sa.func.count()).select_from(Shop)) == 3
        transaction.rollback()


def test_the_demo_owners_have_verified_phones_so_a_self_purchase_can_be_tried(demo_database):
    with session_scope(demo_database.url) as session:
        owners = session.execute(
            sa.select(User.email, User.phone_masked, User.phone_reference)
            .where(User.phone_verified_at.is_not(None))  # type: ignore[union-attr]
            .order_by(User.email)
        ).all()
    secret = demo_database.app.config["SECRET_KEY"]
    assert [tuple(row) for row in owners] == [
        ("owner2@distro.demo", "138****0002", phone_reference("13800000002", secret)),
        ("owner3@distro.demo", "138****0003", phone_reference("13800000003", secret)),
        ("owner@distro.demo", "138****0001", phone_reference("13800000001", secret)),
    ]


def test_some_demo_products_have_skus_to_pick_one_of_them_sold_out(demo_database):
    with session_scope(demo_database.url) as session:
        skus = session.execute(sa.select(ProductSku.product_id, ProductSku.name, ProductSku.stock)).all()
    assert len({product_id for product_id, _, _ in skus}) >= 3
    assert ("樱花粉", 0) in {(name, stock) for _, name, stock in skus}
