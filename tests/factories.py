"""Test data builders."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from sqlmodel import Session

from distro.auth import services as auth_services
from distro.auth.models import Role, User
from distro.auth.tokens import TokenSettings, issue_access_token

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def make_user(session: Session, *roles: Role, email: str | None = None) -> User:
    """Create and commit an account holding roles (shop owner when none given)."""
    number = next(_sequence)
    return auth_services.create_user(
        session=session,
        email=email or f"user{number}@example.cn",
        password=PASSWORD,
        display_name=f"用户{number}",
        roles=set(roles) or {Role.SHOP_OWNER},
    )


def bearer(app, user: User, now: dt.datetime | None = None) -> dict[str, str]:
    """Authorization header with a fresh access token for user."""
    settings = TokenSettings.from_settings(app.config)
    token = issue_access_token(user.id, user.roles, settings, now or dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


SUPPLIER_BAR = {
    "company_name": "测试供应链有限公司",
    "registered_capital_fen": 100_000_000,
    "general_vat_taxpayer": True,
    "deposit_paid_fen": 1_000_000,
    "brand_chain_depth": 2,
    "traceable_purchase_record": False,
}


def make_supplier(session: Session, app, *, approve: bool = True, user: User | None = None):
    """An account with the supplier role and its (approved) supplier profile; returns (user, supplier)."""
    from distro.suppliers import services
    from distro.suppliers.rules import Qualification, QualificationPolicy, SupplierAction

    user = user or make_user(session, Role.SUPPLIER)
    values = dict(SUPPLIER_BAR)
    supplier = services.apply(
        session=session,
        user_id=user.id,
        company_name=values.pop("company_name"),  # type: ignore[arg-type]
        qualification=Qualification(**values),
        policy=QualificationPolicy.from_settings(app.config),
    )
    if approve:
        admin = make_user(session, Role.ADMIN)
        supplier = services.decide(
            session=session,
            supplier_id=supplier.id,
            action=SupplierAction.APPROVE,  # type: ignore[arg-type]
            reason=None,
            admin_id=admin.id,
        )  # type: ignore[arg-type]
        pay_deposit(session, user)
        session.refresh(supplier)
    return user, supplier


def pay_deposit(session: Session, supplier_user: User) -> int:
    """Pay the supplier's shortfall of deposit at the demo cashier, as its console does; return the amount paid."""
    from distro.deposits import services

    payment = services.start_payment(session=session, user_id=supplier_user.id, provider="demo")  # type: ignore[arg-type]
    services.confirm_payment(session=session, reference=payment.reference, provider=payment.provider)
    return payment.amount_fen


def make_product(session: Session, app, supplier_user: User, **overrides):
    """A listed, in-stock product of the supplier whose account is supplier_user."""
    from distro.suppliers import services
    from distro.suppliers.rules import RateBounds

    number = next(_sequence)
    values = {
        "title": f"商品{number}",
        "description": "",
        "category": "food_health",
        "image_urls": [],
        "price_fen": 10_000,
        "other_platform_price_fen": 12_000,
        "stock": 10,
    }
    rate_bp = overrides.pop("commission_rate_bp", 2_000)
    skus = overrides.pop("skus", None)
    values.update(overrides)
    return services.create_product(
        session=session,
        user_id=supplier_user.id,
        values=values,
        rate_bp=rate_bp,  # type: ignore[arg-type]
        skus=skus,
        bounds=RateBounds.from_settings(app.config),
    )


def make_shop(
    session: Session,
    app,
    owner: User | None = None,
    name: str | None = None,
    slug: str | None = None,
    carrying: Sequence = (),
):
    """An open shop of owner (a new shop owner when none given) carrying the given products.

    A shop earns commission only on products it carries, so a shop that is to sell carries them.
    """
    from distro.shops import services
    from distro.shops.credit import DemoCreditScoreProvider
    from distro.shops.rules import ShopPolicy

    owner = owner or make_user(session, Role.SHOP_OWNER)
    shop = services.open_shop(
        session=session,
        owner_id=owner.id,
        name=name or f"好物{next(_sequence)}",  # type: ignore[arg-type]
        slug=slug,
        policy=ShopPolicy.from_settings(app.config),
        credit=DemoCreditScoreProvider(800),
    )
    carry(session, shop, *carrying)
    return shop


def carry(session: Session, shop, *products) -> None:
    """Put products into shop, as its owner picked them earlier (already carried ones stay as they are)."""
    from sqlalchemy.dialects.postgresql import insert

    from distro.shops.models import ShopProduct

    if products:
        rows = [{"shop_id": shop.id, "product_id": product.id, "position": product.id} for product in products]
        session.execute(insert(ShopProduct).values(rows).on_conflict_do_nothing())
        session.commit()


def signed_event(
    app,
    event_type: str,
    data: dict,
    *,
    event_id: str | None = None,
    timestamp: float | None = None,
    secret: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers the order system would send."""
    import json
    import time
    import uuid

    from distro.outbound.signing import sign

    body = json.dumps({"type": event_type, "data": data}, ensure_ascii=False).encode()
    headers = sign(
        body,
        event_id or f"evt_{uuid.uuid4().hex}",
        int(timestamp or time.time()),
        secret or app.config["ORDER_WEBHOOK_SECRETS"][0],
    )
    return body, {**headers, "Content-Type": "application/json"}


def post_event(client, app, event_type: str, data: dict, **options):
    """POST a signed order event to /webhooks/orders."""
    body, headers = signed_event(app, event_type, data, **options)
    return client.post("/webhooks/orders", data=body, headers=headers)


def paid(order_id: str, shop: str | None, lines: list[tuple[str, int, int]], **extra) -> dict:
    """order.paid data: lines are (line id, product id, paid fen)."""
    data = {
        "order_id": order_id,
        "paid_at": "2026-11-22T08:00:00+08:00",
        "buyer": {"reference": "buyer-1"},
        "shop": shop,
        "total_paid_fen": sum(fen for _, _, fen in lines),
        "lines": [
            {"line_id": line, "product_id": product, "quantity": 1, "paid_fen": fen} for line, product, fen in lines
        ],
    }
    data.update(extra)
    return data


def commission_rules(app, session: Session):
    """The processing rules in force, built as the jobs build them: the tier table an admin set last, else the
    configured one (distro.tiers.services.current_rules), and the app's commission policy."""
    from distro.commission.engine import Rules
    from distro.commission.policy import CommissionPolicy
    from distro.tiers.services import current_rules

    return Rules(current_rules(session, app.config["TIERS"]), CommissionPolicy.from_settings(app.config))


def add_to_shop(session: Session, app, owner: User, shop, product, reason: str = "每天都在用") -> None:
    """Put product into owner's shop with reason, as the owner would."""
    from distro.shops import services
    from distro.shops.rules import ShopPolicy

    services.add_product(
        session=session,
        owner_id=owner.id,
        shop_id=shop.id,
        product_id=product.id,
        reason=reason,
        policy=ShopPolicy.from_settings(app.config),
    )


def last_code(phone: str) -> str:
    """The code the demo SMS sender last texted to phone (in this process)."""
    from distro.auth.sms import demo_outbox

    return next(sent.code for sent in reversed(demo_outbox()) if sent.phone == phone)


def codes_sent(phone: str) -> int:
    """How many codes the demo SMS sender texted to phone (in this process)."""
    from distro.auth.sms import demo_outbox

    return sum(1 for sent in demo_outbox() if sent.phone == phone)
