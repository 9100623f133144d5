"""Helpers for the supplier console's tests: a supplier's paid orders on distro's shop pages, written as the payment
leaves them (the buyer's pages and the demo cashier are tested elsewhere), and signing in to the console."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlmodel import Session

from distro.auth.models import User
from distro.storefront.models import Checkout
from distro.suppliers.models import Supplier
from tests.factories import PASSWORD

_refs = itertools.count(1)


def paid_order(
    session: Session,
    shop,
    product,
    *,
    order_ref: str | None = None,
    name: str = "李四",
    phone: str = "13900001111",
    address: str = "浙江省杭州市西湖区文三路100号3幢501室",
    total_fen: int = 5_900,
) -> Checkout:
    """A paid order of product on shop's page, stock taken, waiting to ship."""
    number = next(_refs)
    now = dt.datetime.now(dt.UTC)
    checkout = Checkout(
        order_ref=order_ref or f"DSTEST{number:06d}",
        access_token=f"token-{number}-{product.id}-{now.timestamp()}",
        shop_id=shop.id,
        product_id=product.id,
        quantity=1,
        unit_price_fen=total_fen,
        total_fen=total_fen,
        buyer_name=name,
        buyer_phone=phone,
        address=address,
        buyer_reference=f"ref-{phone}",
        status="paid",
        provider="demo",
        created_at=now,
        paid_at=now,
    )
    session.add(checkout)
    session.commit()
    return checkout


def sign_in(client, user) -> None:
    """Sign user in to the pages, as the sign-in form does."""
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303


def supplier_user_of(session: Session, product) -> User:
    """The account of the supplier whose product this is."""
    supplier = session.get_one(Supplier, product.supplier_id)
    return session.get_one(User, supplier.user_id)
