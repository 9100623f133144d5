"""Migration 0009 stores distro's own pictures relative (/images/<name>), leaving suppliers' URLs alone."""

import sqlalchemy as sa
from alembic import command

from distro import migrate
from distro.db import engine_for

SUPPLIER = [
    "INSERT INTO users (id, email, display_name, password_hash, roles, is_active, created_at)"
    " VALUES (1, 'supplier@example.cn', 'supplier', 'x', ARRAY['supplier']::varchar[], true, now())",
    "INSERT INTO suppliers (id, company_name, registered_capital_fen, general_vat_taxpayer, deposit_paid_fen,"
    " brand_chain_depth, traceable_purchase_record, user_id, status, created_at)"
    " VALUES (1, '供应商', 100000000, true, 1000000, 1, true, 1, 'approved', now())",
]
# Pictures as the code before 0009 stored them, by product id.
BEFORE_0009 = {
    1: ["http://127.0.0.1:8000/images/demo-01.png"],
    2: ["http://localhost:8101/images/demo-02.png", "https://img.example.cn/images/tea.webp"],
    3: ["https://img.example.cn/images/demo-03.png", "http://[::1]:8000/images/demo-03.jpg"],
    4: ["http://127.0.0.1:8000/other/demo-04.png", "http://127.0.0.1:8000/images/../secret.png"],
    5: [],
}
AFTER_0009 = {
    1: ["/images/demo-01.png"],
    2: ["/images/demo-02.png", "https://img.example.cn/images/tea.webp"],
    3: ["https://img.example.cn/images/demo-03.png", "/images/demo-03.jpg"],
    4: ["http://127.0.0.1:8000/other/demo-04.png", "http://127.0.0.1:8000/images/../secret.png"],
    5: [],
}


def pictures(engine) -> dict[int, list[str]]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT id, image_urls FROM products ORDER BY id")).all())


def test_own_pictures_stored_absolute_become_relative_and_suppliers_urls_stay(empty_db):
    engine = engine_for(empty_db)
    migrate.upgrade(empty_db, "0008")
    with engine.begin() as connection:
        for statement in SUPPLIER:
            connection.execute(sa.text(statement))
        for product_id, urls in BEFORE_0009.items():
            connection.execute(
                sa.text(
                    "INSERT INTO products (id, title, description, category, image_urls, price_fen,"
                    " other_platform_price_fen, stock, supplier_id, status, supplier_active, commission_rate_bp,"
                    " recent_sales, created_at, updated_at) VALUES (:id, '普洱茶', '', 'food_health', :urls, 5000,"
                    " 6000, 10, 1, 'listed', true, 2000, 0, now(), now())"
                ),
                {"id": product_id, "urls": urls},
            )
    migrate.upgrade(empty_db, "0009")
    assert pictures(engine) == AFTER_0009
    command.downgrade(migrate.alembic_config(empty_db), "0008")
    # Back to the address the previous code's default PUBLIC_BASE_URL gave distro's own pictures.
    restored = pictures(engine)
    assert restored[1] == ["http://127.0.0.1:8000/images/demo-01.png"]
    assert restored[2] == ["http://127.0.0.1:8000/images/demo-02.png", "https://img.example.cn/images/tea.webp"]
    assert restored[4] == BEFORE_0009[4]
