"""The ranking job: every list of the selection center from orders and clicks, set-based, replaced per run; and its
SQL held to the pure rules (distro/selection/rules.py) on random small data."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ, utcnow
from distro.commission.models import Order, OrderLine
from distro.selection import ranking
from distro.selection.models import Ranking, RankingRun
from distro.selection.rules import OVERALL, ProductFacts, Sale, clicks_in_window, line_units, numbers, rank
from distro.share.models import ClickCount, ShareLink
from tests.factories import make_product, make_shop, make_supplier, make_user

_numbers = iter(range(1, 10**9))


def sell(session, product, at, buyer="b1", *, quantity=1, paid_fen=100, refunded_fen=0, code=None, cancelled=False):
    """A paid order of one line of product, as the order events leave it."""
    number = next(_numbers)
    order = Order(
        external_id=f"sel-{number}",
        status="cancelled" if cancelled else "paid",
        buyer_reference=buyer,
        share_code=code,
        total_paid_fen=paid_fen,
        total_refunded_fen=refunded_fen,
        paid_at=at,
        cancelled_at=at if cancelled else None,
    )
    session.add(order)
    session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_ref="l1",
            product_id=product.id,
            supplier_id=product.supplier_id,
            quantity=quantity,
            paid_fen=paid_fen,
            refunded_fen=refunded_fen,
        )
    )
    session.flush()


def link(session, shop, product, owner) -> ShareLink:
    made = ShareLink(
        code=f"c{next(_numbers):07d}", shop_id=shop.id, product_id=product.id, channel="qr", created_by=owner.id
    )
    session.add(made)
    session.flush()
    return made


def clicks(session, share_link, day, unique):
    session.add(ClickCount(link_id=share_link.id, day=day, clicks=unique * 2, unique_clicks=unique))
    session.flush()


def lists(session, run_id):
    rows = session.execute(
        sa.select(Ranking).where(Ranking.run_id == run_id).order_by(Ranking.list, Ranking.category, Ranking.rank)
    ).scalars()
    found: dict = {}
    for row in rows:
        found.setdefault((row.list, row.category), []).append(row)
    return found


def test_the_job_ranks_each_list_per_category_and_overall_keeping_the_numbers_behind_each_place(app, session):
    supplier, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier, title="茶")
    rice = make_product(session, app, supplier, title="米")
    phone = make_product(session, app, supplier, title="手机", category="digital")
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, carrying=[tea, rice, phone])
    now = utcnow()
    day = dt.timedelta(days=1)
    for number in range(6):  # tea: 6 this week, 12 buyers of whom 3 came back, all in the last 30 days
        sell(session, tea, now - day, f"t{number}")
    for number in range(6, 12):
        sell(session, tea, now - 20 * day, f"t{number}")
    for number in range(3):
        sell(session, tea, now - 25 * day, f"t{number}")
    sell(session, rice, now - day, "r1", quantity=9)  # rice: 9 this week, 2 last week, 1 refunded line, 1 cancelled
    sell(session, rice, now - 10 * day, "r2", quantity=2)
    sell(session, rice, now - 2 * day, "r3", quantity=4, paid_fen=400, refunded_fen=400)
    sell(session, rice, now - 2 * day, "r4", quantity=50, cancelled=True)
    phone_link = link(session, shop, phone, owner)  # phone: 25 unique clicks, 2 orders through its link
    clicks(session, phone_link, now.astimezone(BUSINESS_TZ).date(), 25)
    sell(session, phone, now - day, "p1", code=phone_link.code)
    sell(session, phone, now - day, "p2", code=phone_link.code)
    sell(session, phone, now - day, "p3")

    run_id = ranking.refresh_rankings(session=session, now=now)

    found = lists(session, run_id)
    assert [row.product_id for row in found[("hot7", OVERALL)]] == [rice.id, tea.id, phone.id]
    assert [row.product_id for row in found[("hot7", "food_health")]] == [rice.id, tea.id]
    assert [row.product_id for row in found[("hot7", "digital")]] == [phone.id]
    assert [row.product_id for row in found[("hot30", OVERALL)]] == [tea.id, rice.id, phone.id]
    assert [row.product_id for row in found[("rising", OVERALL)]] == [rice.id, tea.id]
    assert [row.product_id for row in found[("repurchase", OVERALL)]] == [tea.id]
    assert [row.product_id for row in found[("conversion", OVERALL)]] == [phone.id]
    assert {row.product_id for row in found[("new", OVERALL)]} == {tea.id, rice.id, phone.id}
    tea_row = found[("repurchase", OVERALL)][0]
    assert (tea_row.units_7d, tea_row.units_30d, tea_row.buyers, tea_row.repeat_buyers) == (6, 15, 12, 3)
    rice_row = found[("rising", OVERALL)][0]
    assert (rice_row.units_7d, rice_row.units_prev_7d) == (9, 2)
    phone_row = found[("conversion", OVERALL)][0]
    assert (phone_row.clicks, phone_row.orders, phone_row.buyers) == (25, 2, 3)


def test_a_new_run_replaces_the_lists_and_keeps_only_the_run_before(app, session):
    supplier, _ = make_supplier(session, app)
    tea = make_product(session, app, supplier, title="茶")
    now = utcnow()
    sell(session, tea, now - dt.timedelta(hours=1))
    first = ranking.refresh_rankings(session=session, now=now)
    second = ranking.refresh_rankings(session=session, now=now)
    sell(session, tea, now - dt.timedelta(hours=1), quantity=4)
    third = ranking.refresh_rankings(session=session, now=now)
    runs = session.execute(sa.select(RankingRun.id).order_by(RankingRun.id)).scalars().all()
    assert runs == [second, third] and first < second < third
    kept = session.execute(sa.select(Ranking.run_id).distinct().order_by(Ranking.run_id)).scalars().all()
    assert kept == [second, third]
    assert lists(session, third)[("hot7", OVERALL)][0].units_7d == 5
    assert lists(session, second)[("hot7", OVERALL)][0].units_7d == 1


def test_the_jobs_sql_agrees_with_the_pure_rules_on_random_small_data(app, session):
    supplier, _ = make_supplier(session, app)
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner)
    now = utcnow()
    categories = ("food_health", "digital", "other")
    products = [make_product(session, app, supplier, category=categories[i % 3]) for i in range(8)]
    random_draw = random.Random(18)
    links = {product.id: link(session, shop, product, owner) for product in products[:5]}
    sales: list[Sale] = []
    day_counts = []
    for product in products:
        if product.id in links:
            for back in random_draw.sample(range(32), 4):
                unique = random_draw.randint(0, 15)
                day = (now - dt.timedelta(days=back)).astimezone(BUSINESS_TZ).date()
                clicks(session, links[product.id], day, unique)
                day_counts.append((product.id, day, unique))
    for _ in range(160):
        product = random_draw.choice(products)
        at = now - dt.timedelta(hours=random_draw.randint(0, 24 * 35))
        buyer = random_draw.choice(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", None])
        quantity = random_draw.randint(1, 4)
        paid = 100 * quantity * random_draw.choice([0, 1, 1, 1])
        refunded = random_draw.choice([0, 0, 0, paid // 3, paid])
        cancelled = random_draw.random() < 0.1
        code = links[product.id].code if product.id in links and random_draw.random() < 0.5 else None
        sell(
            session,
            product,
            at,
            buyer,
            quantity=quantity,
            paid_fen=paid,
            refunded_fen=refunded,
            code=code,
            cancelled=cancelled,
        )
        if not cancelled:
            sales.append(Sale(0, product.id, at, buyer, line_units(quantity, paid, refunded), code is not None))
    # Each order above is its own: number them as the database did, in order.
    sales = [Sale(i, s.product_id, s.paid_at, s.buyer, s.units, s.via_product_link) for i, s in enumerate(sales)]

    run_id = ranking.refresh_rankings(session=session, now=now)

    facts = [ProductFacts(p.id, p.category, p.created_at) for p in products]
    expected_numbers = numbers(sales, clicks_in_window(day_counts, now, BUSINESS_TZ), now)
    expected = rank(facts, expected_numbers, now)
    found = lists(session, run_id)
    assert {key: [row.product_id for row in rows] for key, rows in found.items()} == expected
    for rows in found.values():
        for row in rows:
            figures = expected_numbers.get(row.product_id)
            if figures is not None:
                assert (row.units_7d, row.units_prev_7d, row.units_30d, row.buyers, row.repeat_buyers) == (
                    figures.units_7d,
                    figures.units_prev_7d,
                    figures.units_30d,
                    figures.buyers,
                    figures.repeat_buyers,
                )
                assert (row.clicks, row.orders) == (figures.clicks, figures.orders)
