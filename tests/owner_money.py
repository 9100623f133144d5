"""An owner's money at every stage, reached the way distro reaches it: signed order events processed, commission
released after the hold, settlement batches computed, approved and answered by the bank, refunds after payout.

For the tests of the owner app's 收益, 等级, 数据 and 消息 pages (their queries run over what these steps record), in
integration tests (a rolled-back session) and browser tests (a committed one on the live server's database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from distro.auth.models import Role, User
from distro.commission import release
from distro.commission import services as commission
from distro.settlement import batches, computing, payout_results
from distro.settlement.models import Payout
from distro.settlement.payees import register_payee
from distro.share import services as share
from distro.suppliers import takedown
from distro.tiers.models import ShopTierChange
from distro.tiers.rules import month_bounds
from tests.factories import carry, commission_rules, make_product, make_shop, make_supplier, make_user, paid, post_event

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


@dataclass
class Trade:
    """A supplier's product (20% commission: an entry-tier owner earns 12% of what a buyer pays), a shop of a
    new owner carrying it, and two finance users to run settlement."""

    client: object
    app: object
    session: Session
    owner: User
    shop: object
    product: object
    maker: User
    checker: User

    def link(self, channel: str) -> str:
        """A share link of the shop's product on channel; its code."""
        return share.create_link(
            session=self.session,
            owner_id=self.owner.id,  # type: ignore[arg-type]
            shop_id=self.shop.id,
            channel=channel,
            product_id=self.product.id,
        ).code

    def process(self, order_ref: str) -> None:
        commission.process_order(
            session=self.session, order_ref=order_ref, rules=commission_rules(self.app, self.session)
        )

    def order(
        self, order_ref: str, paid_fen: int, *, paid_at: dt.datetime, share_code: str | None = None, buyer: str = "b1"
    ) -> None:
        """A buyer pays paid_fen for the product: through the share link when given, else on the shop's page."""
        data = paid(
            order_ref,
            None if share_code else self.shop.slug,
            [("1", self.product.id, paid_fen)],
            paid_at=iso(paid_at),
            buyer={"reference": buyer},
            share_code=share_code,
        )
        assert post_event(self.client, self.app, "order.paid", data).status_code == 200
        self.process(order_ref)

    def deliver(self, order_ref: str, delivered_at: dt.datetime) -> None:
        body = {"order_id": order_ref, "delivered_at": iso(delivered_at)}
        assert post_event(self.client, self.app, "order.delivered", body).status_code == 200
        self.process(order_ref)

    def refund(self, order_ref: str, amount_fen: int, refund_id: str = "r1") -> None:
        body = {
            "order_id": order_ref,
            "refund_id": refund_id,
            "refunded_at": iso(dt.datetime.now(dt.UTC)),
            "lines": [{"line_id": "1", "amount_fen": amount_fen}],
        }
        assert post_event(self.client, self.app, "order.refunded", body).status_code == 200
        self.process(order_ref)

    def release(self, now: dt.datetime) -> None:
        """The release job's run at now: lines past their hold become payable."""
        release.release_due_commission(session=self.session, now=now)

    def payee(self, number: str = "6222020200112233") -> None:
        values = {"kind": "bank", "account_name": "王小美", "account_number": number, "bank_name": "工商银行"}
        register_payee(session=self.session, owner_id=self.owner.id, values=values)  # type: ignore[arg-type]

    def move_tier(
        self, month: dt.date, old: str, new: str, *, effective_from: dt.datetime, gmv_fen: int, orders: int, buyers: int
    ) -> None:
        """The monthly evaluation's record: for month's figures the shop moved from tier old to new."""
        self.session.add(
            ShopTierChange(
                shop_id=self.shop.id,
                month=month,
                old_tier=old,
                new_tier=new,
                net_gmv_fen=gmv_fen,
                orders=orders,
                buyers=buyers,
                effective_from=effective_from,
            )
        )
        self.session.commit()

    def take_down(self, reason: str, *, restore_because: str | None = None) -> None:
        """An admin takes the shop's product down (and restores it, when given why)."""
        admin = make_user(self.session, Role.ADMIN)
        takedown.take_down(session=self.session, product_id=self.product.id, reason=reason, admin_id=admin.id)
        if restore_because:
            takedown.restore(
                session=self.session, product_id=self.product.id, reason=restore_because, admin_id=admin.id
            )

    def settle(self, result: str | None = "paid", reason: str | None = None) -> Payout:
        """A settlement batch over what is payable now, approved; the bank's result for the shop's payout
        (None: no answer yet). The payout as it then stands."""
        batch = batches.create_batch(session=self.session, cutoff_at=None, created_by=self.maker.id)
        assert computing.compute_batch(session=self.session, batch_id=batch.id, minimum_fen=100) == "computed"
        batches.approve(session=self.session, batch_id=batch.id, approver=self.checker.id)
        payout = self.session.scalars(
            sa.select(Payout).where(Payout.batch_id == batch.id, Payout.shop_id == self.shop.id)
        ).one()
        if result is not None:
            answer = payout_results.PayoutResult(payout.id, result, "R-1" if result == "paid" else None, reason)  # type: ignore[arg-type]
            payout_results.record_results(
                session=self.session, batch_id=batch.id, results=[answer], actor=self.checker.id
            )
            self.session.refresh(payout)
        return payout


def new_trade(
    client,
    app,
    session: Session,
    *,
    shop_name: str = "小美好物",
    title: str = "云南小粒咖啡豆 500g",
    picture: str = "/images/coffee.png",
) -> Trade:
    supplier_user, _ = make_supplier(session, app)
    product = make_product(
        session,
        app,
        supplier_user,
        title=title,
        image_urls=[picture],
        price_fen=100_000,
        other_platform_price_fen=100_000,
        commission_rate_bp=2_000,
    )
    owner = make_user(session, Role.SHOP_OWNER)
    shop = make_shop(session, app, owner, name=shop_name)
    carry(session, shop, product)
    return Trade(
        client=client,
        app=app,
        session=session,
        owner=owner,
        shop=shop,
        product=product,
        maker=make_user(session, Role.FINANCE),
        checker=make_user(session, Role.FINANCE),
    )


def a_month_of_news(trade: Trade, now: dt.datetime, *, failure: str) -> None:
    """What an owner's inbox tells of a month: A1 ¥1,000 through a Moments link and A2 ¥500 on the shop's page,
    delivered and payable on days of their own; A1's commission paid out, A2's payout failed (failure: the bank's
    reason); the shop moved up to 资深 four days ago; its product taken down."""
    trade.order("A1", 100_000, paid_at=now - dt.timedelta(days=12), share_code=trade.link("wechat_moments"))
    trade.order("A2", 50_000, paid_at=now - dt.timedelta(days=11), buyer="b2")
    trade.deliver("A1", now - dt.timedelta(days=10))  # payable 3 days ago
    trade.release(now)
    trade.payee()
    trade.settle("paid")
    trade.deliver("A2", now - dt.timedelta(days=9))  # payable 2 days ago
    trade.release(now)
    trade.settle("failed", reason=failure)
    senior = {"gmv_fen": 600_000, "orders": 25, "buyers": 12}
    trade.move_tier(dt.date(2026, 11, 1), "new", "senior", effective_from=now - dt.timedelta(days=4), **senior)
    trade.take_down("资质待复核")


def sales_this_month(trade: Trade) -> None:
    """¥1,500 of sales in 3 orders from 2 buyers since this calendar month began (Asia/Shanghai)."""
    start, _ = month_bounds(dt.datetime.now(SHANGHAI).date())
    for number, (paid_fen, buyer) in enumerate(((100_000, "b1"), (30_000, "b2"), (20_000, "b1")), start=1):
        trade.order(f"T{number}", paid_fen, paid_at=start + dt.timedelta(minutes=number), buyer=buyer)
