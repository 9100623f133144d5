"""The rules of the ranked lists (pure): what counts as a unit sold, a buyer, a repeat buyer, a click and an order
from a share link; the windows; the minimum samples; and each list's order. The hourly job applies the same rules in
SQL (distro/selection/ranking.py); a property test holds the two to each other."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LISTS = ("hot7", "hot30", "rising", "repurchase", "conversion", "new")
"""The ranked lists: units over 7 days, over 30 days; this week's units against last week's; share of buyers who
bought again; orders per unique click on the product's share links; newly listed."""
OVERALL = ""
"""The category of a list over every category."""
LIST_SIZE = 100
"""How many products each list keeps, per category and overall."""
WINDOW_DAYS = 30
"""Sales, buyers, clicks and orders count over the last 30 days (hot7 and rising over the last 7 and 7 before)."""
WEEK_DAYS = 7
NEW_DAYS = 14
"""A product is new for 14 days after it was listed."""
MIN_RISING_UNITS = 5
"""Rising needs at least 5 units this week: 1 unit after 0 is noise, not a trend."""
MIN_REPURCHASE_BUYERS = 10
"""High repurchase needs at least 10 buyers: 1 of 1 buying again says nothing."""
MIN_CONVERSION_CLICKS = 20
"""High conversion needs at least 20 unique clicks, so 1 order on 1 click does not top the list."""


def line_units(quantity: int, paid_fen: int, refunded_fen: int) -> int:
    """Units a line sold: its quantity less what a refund paid back in full (as the pool's recent sales count it):
    3 units refunded a third sold 2, refunded a fifth still sold 3; a free line counts whole."""
    if paid_fen == 0:
        return quantity
    return (quantity * (paid_fen - refunded_fen) + paid_fen - 1) // paid_fen


@dataclass(frozen=True)
class ProductFacts:
    """A product in the pool as the lists see it."""

    id: int
    category: str
    listed_at: dt.datetime


@dataclass(frozen=True)
class Sale:
    """An order line of a paid, not cancelled order."""

    order_id: int
    product_id: int
    paid_at: dt.datetime
    buyer: str | None
    """The buyer as the storefront identifies them (orders.buyer_reference); None when unknown."""
    units: int
    via_product_link: bool
    """Whether the order came through a share link of this very product."""


@dataclass(frozen=True)
class Numbers:
    """The numbers behind a product's places."""

    units_7d: int = 0
    units_prev_7d: int = 0
    units_30d: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    clicks: int = 0
    orders: int = 0


def numbers(sales: Iterable[Sale], clicks: dict[int, int], now: dt.datetime) -> dict[int, Numbers]:
    """Each product's numbers from its sales and unique clicks (over the window) at `now`.

    A sale counts when paid in (now − 30 days, now]; units 7d in the last 7 days, prev 7d in the 7 before. A buyer
    is a known buyer with units > 0 in the window; a repeat buyer bought it in two or more orders. Orders are the
    distinct orders with units > 0 that came through a share link of the product.
    """
    week, fortnight, window = (now - dt.timedelta(days=d) for d in (WEEK_DAYS, 2 * WEEK_DAYS, WINDOW_DAYS))
    units: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    orders_of_buyer: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    linked_orders: dict[int, set[int]] = defaultdict(set)
    for sale in sales:
        if not window < sale.paid_at <= now:
            continue
        counted = units[sale.product_id]
        counted[2] += sale.units
        if sale.paid_at > week:
            counted[0] += sale.units
        elif sale.paid_at > fortnight:
            counted[1] += sale.units
        if sale.units > 0:
            if sale.buyer is not None:
                orders_of_buyer[sale.product_id][sale.buyer].add(sale.order_id)
            if sale.via_product_link:
                linked_orders[sale.product_id].add(sale.order_id)
    result = {}
    for product_id in set(units) | set(clicks):
        seven, previous, thirty = units.get(product_id, [0, 0, 0])
        buyers = orders_of_buyer.get(product_id, {})
        result[product_id] = Numbers(
            units_7d=seven,
            units_prev_7d=previous,
            units_30d=thirty,
            buyers=len(buyers),
            repeat_buyers=sum(1 for orders in buyers.values() if len(orders) >= 2),
            clicks=clicks.get(product_id, 0),
            orders=len(linked_orders.get(product_id, ())),
        )
    return result


def qualifies(name: str, facts: ProductFacts, figures: Numbers, now: dt.datetime) -> bool:
    """Whether a product may enter a list at all (its minimum sample)."""
    if name == "hot7":
        return figures.units_7d > 0
    if name == "hot30":
        return figures.units_30d > 0
    if name == "rising":
        return figures.units_7d >= MIN_RISING_UNITS and figures.units_7d > figures.units_prev_7d
    if name == "repurchase":
        return figures.buyers >= MIN_REPURCHASE_BUYERS and figures.repeat_buyers > 0
    if name == "conversion":
        return figures.clicks >= MIN_CONVERSION_CLICKS and figures.orders > 0
    if name == "new":
        return now - dt.timedelta(days=NEW_DAYS) < facts.listed_at <= now
    raise ValueError(f"unknown list {name!r}")


def rate_bp(part: int, whole: int) -> int:
    """part of whole in basis points, rounded down (0 of nothing)."""
    return part * 10000 // whole if whole else 0


def sort_key(name: str, facts: ProductFacts, figures: Numbers) -> tuple:
    """A list's order (ascending keys): the best first, ties to the smaller product id."""
    if name == "hot7":
        return (-figures.units_7d, facts.id)
    if name == "hot30":
        return (-figures.units_30d, facts.id)
    if name == "rising":
        return (-(figures.units_7d - figures.units_prev_7d), -figures.units_7d, facts.id)
    if name == "repurchase":
        return (-rate_bp(figures.repeat_buyers, figures.buyers), -figures.buyers, facts.id)
    if name == "conversion":
        return (-rate_bp(figures.orders, figures.clicks), -figures.clicks, facts.id)
    if name == "new":
        return (-facts.listed_at.timestamp(), facts.id)
    raise ValueError(f"unknown list {name!r}")


def rank(
    products: Sequence[ProductFacts], figures: dict[int, Numbers], now: dt.datetime, size: int = LIST_SIZE
) -> dict[tuple[str, str], list[int]]:
    """Every list, per category and overall (category OVERALL): (list, category) → product ids, best first, at
    most `size`; lists with no product are left out."""
    lists: dict[tuple[str, str], list[int]] = {}
    for name in LISTS:
        entered = [p for p in products if qualifies(name, p, figures.get(p.id, Numbers()), now)]
        entered.sort(key=lambda p: sort_key(name, p, figures.get(p.id, Numbers())))
        if entered:
            lists[(name, OVERALL)] = [p.id for p in entered[:size]]
        for category in sorted({p.category for p in entered}):
            lists[(name, category)] = [p.id for p in entered if p.category == category][:size]
    return lists


def click_days(now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.date, dt.date]:
    """The days (in the business time zone, as clicks are counted) whose unique clicks count: the 30 ending today."""
    today = now.astimezone(tz).date()
    return today - dt.timedelta(days=WINDOW_DAYS - 1), today


def clicks_in_window(day_counts: Iterable[tuple[int, dt.date, int]], now: dt.datetime, tz: dt.tzinfo) -> dict[int, int]:
    """Unique clicks per product from (product id, day, unique clicks) of its links' daily counts, over click_days."""
    first, last = click_days(now, tz)
    clicks: dict[int, int] = defaultdict(int)
    for product_id, day, unique in day_counts:
        if first <= day <= last:
            clicks[product_id] += unique
    return dict(clicks)
