"""Demo data for `distro run` on an empty database, built through the services so every rule holds.

One account per role (and two more suppliers and owners), three approved suppliers, thirty
products across categories, three shops with picked products and reasons. Every demo account's
password is DEMO_PASSWORD.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro.auth import phones as phone_services
from distro.auth import services as auth_services
from distro.auth.models import Role, User
from distro.clock import utcnow
from distro.commission import event_store, release
from distro.commission import services as commission_services
from distro.commission.engine import Rules
from distro.commission.policy import CommissionPolicy
from distro.demo_images import write_demo_images
from distro.deposits import services as deposit_services
from distro.money import parse_yuan
from distro.promises import services as promise_services
from distro.promises.rules import Compensation, CompensationKind, PromiseBounds, PromiseTerms
from distro.share import services as share_services
from distro.share.images import local_image_dir
from distro.shops import services as shop_services
from distro.shops.credit import DemoCreditScoreProvider
from distro.shops.models import Shop
from distro.shops.rules import ShopPolicy
from distro.storefront.payments import DemoPaymentProvider
from distro.suppliers import recent_sales
from distro.suppliers import services as supplier_services
from distro.suppliers.models import Product
from distro.suppliers.rules import Qualification, QualificationPolicy, RateBounds, SupplierAction
from distro.tiers.rules import build_tier_table
from distro.urls import own_image_url

DEMO_PASSWORD = "distro-demo-2026"  # noqa: S105 - printed on purpose: demo data only

DEMO_ACCOUNTS = [
    ("admin@distro.demo", "平台管理员", {Role.ADMIN}),
    ("finance@distro.demo", "财务 张会计", {Role.FINANCE}),
    ("checker@distro.demo", "财务 李复核", {Role.FINANCE}),
    ("supplier@distro.demo", "良品供应链", {Role.SUPPLIER}),
    ("supplier2@distro.demo", "江南母婴", {Role.SUPPLIER}),
    ("supplier3@distro.demo", "岭南鲜果", {Role.SUPPLIER}),
    ("owner@distro.demo", "王小美", {Role.SHOP_OWNER}),
    ("owner2@distro.demo", "李妈妈", {Role.SHOP_OWNER}),
    ("owner3@distro.demo", "陈大哥", {Role.SHOP_OWNER}),
]

# Verified phones of the demo owners: buying from one's own shop with it is a self-purchase.
DEMO_PHONES = {
    "owner@distro.demo": "13800000001",
    "owner2@distro.demo": "13800000002",
    "owner3@distro.demo": "13800000003",
}

SUPPLIERS = {
    "supplier@distro.demo": ("杭州良品供应链有限公司", 500_000_000, 2),
    "supplier2@distro.demo": ("苏州江南母婴用品有限公司", 200_000_000, 1),
    "supplier3@distro.demo": ("广州岭南鲜果农业有限公司", 150_000_000, 3),
}

# (supplier, title, category, price ¥, other-platform price ¥ (yuan text), stock, rate bp)
PRODUCTS = [
    ("supplier@distro.demo", "云南古树普洱茶饼 357g", "food_health", "128", "168", 500, 2000),
    ("supplier@distro.demo", "五常稻花香大米 5kg", "food_health", "69", "89", 1200, 1500),
    ("supplier@distro.demo", "宁夏枸杞 特级 250g", "food_health", "39.9", "59", 800, 2500),
    ("supplier@distro.demo", "益生菌冻干粉 30袋", "food_health", "199", "269", 300, 3000),
    ("supplier@distro.demo", "玻尿酸补水面膜 10片", "beauty_personal_care", "59", "99", 2000, 3500),
    ("supplier@distro.demo", "氨基酸洁面乳 120g", "beauty_personal_care", "49", "79", 900, 3000),
    ("supplier@distro.demo", "烟酰胺美白精华 30ml", "beauty_personal_care", "139", "199", 400, 3200),
    ("supplier@distro.demo", "无线蓝牙耳机 降噪版", "digital", "199", "299", 350, 1200),
    ("supplier@distro.demo", "20000mAh 快充充电宝", "digital", "99", "139", 600, 1000),
    ("supplier@distro.demo", "纯棉四件套 1.8m", "home_appliances", "259", "399", 150, 1800),
    ("supplier@distro.demo", "不锈钢保温杯 500ml", "home_appliances", "79", "129", 700, 2000),
    ("supplier@distro.demo", "家用电动牙刷 声波式", "home_appliances", "149", "229", 260, 2200),
    ("supplier2@distro.demo", "婴儿纸尿裤 L码 54片", "mother_baby_toys", "89", "129", 1000, 1200),
    ("supplier2@distro.demo", "宝宝有机米粉 250g", "mother_baby_toys", "45", "68", 800, 1500),
    ("supplier2@distro.demo", "儿童益智积木 120粒", "mother_baby_toys", "129", "189", 300, 2000),
    ("supplier2@distro.demo", "孕妇护肤精油 50ml", "mother_baby_toys", "99", "159", 200, 2800),
    ("supplier2@distro.demo", "婴儿湿巾 80抽×6包", "mother_baby_toys", "39", "59", 1500, 1000),
    ("supplier2@distro.demo", "儿童纯棉睡衣套装", "apparel_sports", "79", "119", 400, 2000),
    ("supplier2@distro.demo", "瑜伽裤 高腰提臀", "apparel_sports", "89", "139", 500, 2500),
    ("supplier2@distro.demo", "男士速干运动T恤", "apparel_sports", "59", "99", 650, 2200),
    ("supplier2@distro.demo", "女款轻便跑步鞋", "apparel_sports", "229", "329", 180, 1800),
    ("supplier2@distro.demo", "小学生护眼台灯", "books_stationery", "169", "249", 220, 1600),
    ("supplier3@distro.demo", "海南贵妃芒果 5斤装", "fresh_produce", "49.9", "69", 600, 2000),
    ("supplier3@distro.demo", "赣南脐橙 10斤装", "fresh_produce", "59.9", "79", 900, 1800),
    ("supplier3@distro.demo", "云南蓝莓 125g×4盒", "fresh_produce", "79", "109", 400, 2200),
    ("supplier3@distro.demo", "阳光玫瑰青提 2斤", "fresh_produce", "69", "99", 350, 2100),
    ("supplier3@distro.demo", "新疆阿克苏苹果 10斤", "fresh_produce", "55", "75", 1000, 1700),
    ("supplier3@distro.demo", "广西百香果 5斤", "fresh_produce", "29.9", "45", 1200, 2400),
    ("supplier3@distro.demo", "即食燕窝 6瓶礼盒", "food_health", "298", "398", 150, 2600),
    ("supplier3@distro.demo", "手工红糖姜茶 12块", "food_health", "35", "49", 700, 2300),
]

# product index -> its SKUs (name, price ¥, stock): a buyer picks one; the product's stock is their sum.
PRODUCT_SKUS = {
    6: [("30ml", "139", 200), ("50ml", "199", 120)],
    10: [("曜石黑", "79", 300), ("樱花粉", "79", 0), ("冰川蓝", "79", 400)],
    12: [("L码 54片", "89", 500), ("XL码 48片", "89", 500)],
}

# owner -> (shop name, slug, [(product index, reason)])
SHOPS = {
    "owner@distro.demo": (
        "小美好物",
        "xiaomei",
        [
            (4, "我自己天天用的面膜，补水效果真的好，敷完第二天上妆很服帖"),
            (0, "老公单位同事都在喝，回甘很明显"),
            (22, "芒果香甜多汁，孩子一次能吃两个"),
            (6, "坚持用了一个月，肤色亮了一个度"),
            (10, "保温效果一流，早上的热水晚上还烫"),
        ],
    ),
    "owner2@distro.demo": (
        "宝妈精选",
        "baoma",
        [
            (12, "用过十几个牌子，这款最不红屁屁"),
            (13, "宝宝第一口辅食就选它，无添加"),
            (16, "出门必备，厚实不掉絮"),
            (14, "锻炼动手能力，孩子能玩一下午"),
        ],
    ),
    "owner3@distro.demo": (
        "陈哥鲜果铺",
        "chenge",
        [
            (23, "产地直发，甜度很高"),
            (27, "泡水喝特别香"),
            (24, "颗颗饱满，冷藏后更好吃"),
            (1, "煮饭满屋飘香"),
        ],
    ),
}


def _saved_id(row: Any) -> int:
    """The id of a row a service has flushed or committed (None only before that)."""
    assert row.id is not None
    return row.id


def load_demo_data(*, session: Session, settings: Mapping[str, Any]) -> bool:
    """Load the demo data into an empty database; return False (and do nothing) if it has accounts."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        return False
    users = {
        email: auth_services.create_user(
            session=session, email=email, password=DEMO_PASSWORD, display_name=name, roles=roles
        )
        for email, name, roles in DEMO_ACCOUNTS
    }
    for email, phone in DEMO_PHONES.items():
        phone_services.attach_verified_phone(
            session=session, user_id=_saved_id(users[email]), phone=phone, secret=str(settings["SECRET_KEY"])
        )
    admin_id = _saved_id(users["admin@distro.demo"])
    policy = QualificationPolicy.from_settings(settings)
    for email, (company, capital_fen, chain_depth) in SUPPLIERS.items():
        supplier = supplier_services.apply(
            session=session,
            user_id=_saved_id(users[email]),
            company_name=company,
            policy=policy,
            qualification=Qualification(capital_fen, True, 2_000_000, chain_depth, True),
        )
        supplier_services.decide(
            session=session,
            supplier_id=_saved_id(supplier),
            action=SupplierAction.APPROVE,
            reason=None,
            admin_id=admin_id,
        )
        # Each pays its deposit (保证金) at the demo cashier, as a supplier does on its console: goods sell only then.
        payment = deposit_services.start_payment(
            session=session, user_id=_saved_id(users[email]), provider=DemoPaymentProvider.name
        )
        deposit_services.confirm_payment(session=session, reference=payment.reference, provider=payment.provider)
    # The first supplier promises 48-hour shipping (¥10 if late) and a 7-day exchange: its goods carry the badges.
    promise_services.set_promises(
        session=session,
        user_id=_saved_id(users["supplier@distro.demo"]),
        terms=PromiseTerms(
            ship_within_hours=48, ship_compensation=Compensation(CompensationKind.FIXED, 1000), exchange_days=7
        ),
        bounds=PromiseBounds.from_settings(settings),
    )
    bounds = RateBounds.from_settings(settings)
    # Pictures drawn here and served by distro itself: there is no supplier CDN to reach. Stored relative, so
    # they follow PUBLIC_BASE_URL (a restart on another port or address) instead of the one they were loaded at.
    images = write_demo_images(local_image_dir(settings), [(title, category) for _, title, category, *_ in PRODUCTS])
    product_ids: list[int] = []
    for index, ((email, title, category, price, other_price, stock, rate_bp), image) in enumerate(
        zip(PRODUCTS, images, strict=True)
    ):
        skus = [
            {"name": name, "price_fen": parse_yuan(sku_price), "stock": sku_stock}
            for name, sku_price, sku_stock in PRODUCT_SKUS.get(index, [])
        ]
        product = supplier_services.create_product(
            session=session,
            user_id=_saved_id(users[email]),
            rate_bp=rate_bp,
            skus=skus or None,
            bounds=bounds,
            values={
                "title": title,
                "category": category,
                "price_fen": parse_yuan(price),
                "other_platform_price_fen": parse_yuan(other_price),
                "stock": stock,
                "description": f"{title}，供应商直发，七天无理由退换。",
                "image_urls": [own_image_url(image)],
            },
        )
        product_ids.append(_saved_id(product))
    shop_policy = ShopPolicy.from_settings(settings)
    credit = DemoCreditScoreProvider(int(settings["SHOP_MIN_CREDIT_SCORE"]))
    for email, (name, slug, picks) in SHOPS.items():
        shop = shop_services.open_shop(
            session=session,
            owner_id=_saved_id(users[email]),
            name=name,
            slug=slug,
            policy=shop_policy,
            credit=credit,
        )
        if shop.status == "pending_approval":
            shop_services.approve_shop(session=session, shop_id=_saved_id(shop), admin_id=admin_id)
        for index, reason in picks:
            shop_services.add_product(
                session=session,
                owner_id=_saved_id(users[email]),
                shop_id=_saved_id(shop),
                product_id=product_ids[index],
                reason=reason,
                policy=shop_policy,
            )
    _demo_orders(session, settings, product_ids)
    # Recent sales come from the demo orders, as the hourly job would count them.
    recent_sales.refresh_recent_sales(session=session, days=int(settings["RECENT_SALES_DAYS"]))
    _demo_share_links(session, users, product_ids)
    return True


def _demo_share_links(session: Session, users: Mapping[str, User], product_ids: list[int]) -> None:
    """A WeChat Moments link to each shop's first product and a Weibo link to each shop."""
    for email, (_, _, picks) in SHOPS.items():
        owner = users[email]
        shop_id = session.scalar(sa.select(col(Shop.id)).where(col(Shop.owner_id) == owner.id))
        share_services.create_link(
            session=session,
            owner_id=_saved_id(owner),
            shop_id=shop_id,  # type: ignore[arg-type]
            channel="wechat_moments",
            product_id=product_ids[picks[0][0]],
        )
        share_services.create_link(
            session=session,
            owner_id=_saved_id(owner),
            shop_id=shop_id,  # type: ignore[arg-type]
            channel="weibo",
            product_id=None,
        )


# (order, shop, [(product index, quantity)], days ago paid, days ago delivered or None, refund fen of line 1)
DEMO_ORDERS = [
    ("DEMO-1001", "xiaomei", [(4, 2), (0, 1)], 20, 16, 0),
    ("DEMO-1002", "xiaomei", [(22, 1)], 12, 9, 2_000),
    ("DEMO-1003", "xiaomei", [(6, 1)], 2, None, 0),
    ("DEMO-1004", "baoma", [(12, 3), (16, 2)], 15, 10, 0),
    ("DEMO-1005", "baoma", [(13, 2)], 1, None, 0),
    ("DEMO-1006", "chenge", [(23, 2), (27, 1)], 11, 8, 0),
    ("DEMO-1007", "chenge", [(24, 1)], 3, 1, 7_900),
]


def _demo_orders(session: Session, settings: Mapping[str, Any], product_ids: list[int]) -> None:
    """Feed demo orders through the same path as webhooks (store, then process), then release what is due."""
    rules = Rules(build_tier_table(settings["TIERS"]), CommissionPolicy.from_settings(settings))
    prices = dict(
        session.execute(
            sa.select(col(Product.id), col(Product.price_fen)).where(col(Product.id).in_(product_ids))
        ).all()
    )
    now = utcnow()
    for order_id, shop, items, paid_days, delivered_days, refund in DEMO_ORDERS:
        lines = [
            {
                "line_id": str(n),
                "product_id": product_ids[index],
                "quantity": quantity,
                "paid_fen": prices[product_ids[index]] * quantity,
            }
            for n, (index, quantity) in enumerate(items, 1)
        ]
        events = [
            (
                "order.paid",
                {
                    "order_id": order_id,
                    "paid_at": (now - dt.timedelta(days=paid_days)).isoformat(),
                    "buyer": {"reference": f"demo-buyer-{order_id}"},
                    "shop": shop,
                    "total_paid_fen": sum(line["paid_fen"] for line in lines),
                    "lines": lines,
                },
            )
        ]
        if delivered_days is not None:
            events.append(
                (
                    "order.delivered",
                    {"order_id": order_id, "delivered_at": (now - dt.timedelta(days=delivered_days)).isoformat()},
                )
            )
        if refund:
            events.append(
                (
                    "order.refunded",
                    {
                        "order_id": order_id,
                        "refund_id": f"{order_id}-R1",
                        "refunded_at": now.isoformat(),
                        "lines": [{"line_id": "1", "amount_fen": refund}],
                    },
                )
            )
        for number, (event_type, data) in enumerate(events):
            event_store.store_event(
                session=session,
                event_id=f"demo-{order_id}-{number}",
                event_type=event_type,
                order_ref=order_id,
                data=data,
            )
        commission_services.process_order(session=session, order_ref=order_id, rules=rules)
    release.release_due_commission(session=session, now=now)
