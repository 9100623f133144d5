"""The rows commission processing loads and writes, as plain values (pure): the shell
(distro.commission.services) reads them under its locks and writes them set-based; the engine
(distro.commission.engine) plans their changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class OrderRow:
    """An order's columns as processing reads and rewrites them."""

    id: int
    external_id: str
    status: str
    shop_id: int | None
    attribution: str
    share_code: str | None
    buyer_reference: str | None
    buyer_user_id: int | None
    self_purchase: bool
    total_paid_fen: int
    total_refunded_fen: int
    paid_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cancelled_at: dt.datetime | None


@dataclass(frozen=True)
class Product:
    """What processing needs of a product an order names."""

    id: int
    supplier_id: int
    commission_rate_bp: int
    category: str


@dataclass(frozen=True)
class OrderLineRow:
    """An order line as paid and refunded so far; earns is None when this batch did not attribute its order."""

    order_id: int
    line_ref: str
    product_id: int
    supplier_id: int
    sku: str | None
    quantity: int
    paid_fen: int
    refunded_fen: int
    earns: bool | None


@dataclass(slots=True)
class LineRow:
    """A commission line's columns as processing reads and rewrites them; id is None until the line is written."""

    id: int | None
    order_line_id: int
    order_id: int
    shop_id: int
    supplier_id: int
    product_id: int
    rate_bp: int
    tier_code: str
    owner_share_bp: int
    hold_days: int
    paid_at: dt.datetime
    stage: str
    payable_at: dt.datetime | None
    pool_fen: int
    owner_fen: int
    platform_fen: int
    revision: int
