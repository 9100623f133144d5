"""Owners are told (消息) when a supplier's deposit takes its goods out of their shops and when it brings them back:
the standing's refresh records each change once (distro/deposits/standing.py), the inbox reads the record."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlmodel import Session

from distro.auth.models import Role
from distro.db import engine_for
from distro.deposits import rules, services
from distro.deposits.models import DepositStandingChange
from distro.deposits.standing import refresh_standing
from distro.ledger.chart import BUYER_COMPENSATION
from distro.owner import messages
from distro.suppliers import services as supplier_services
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction
from tests.console_supplier import sign_in, supplier_user_of
from tests.factories import make_supplier, make_user, pay_deposit
from tests.integration.locks import wait_until_blocked
from tests.owner_money import new_trade


def draw(session, supplier_id: int, reference: str) -> None:
    """Take a buyer's compensation from the supplier's deposit, which leaves it short."""
    services.draw_deposit(
        session=session,
        supplier_id=supplier_id,
        amount_fen=5_000,
        reason_kind=rules.COMPENSATION,
        reference=reference,
        to_account=BUYER_COMPENSATION,
        memo="超时发货赔付",
    )
    session.commit()


def told(session, owner_id: int) -> list[tuple[str, int]]:
    """The owner's messages about its suppliers, oldest first: kind and how many of the shop's products."""
    inbox = messages.open_inbox(session=session, owner_id=owner_id, page=1)
    return [(m.kind, m.detail["products"]) for m in reversed(inbox.messages) if m.kind.startswith("supplier.")]


def changes_of(session, supplier_id: int) -> list[tuple[bool, bool]]:
    query = sa.select(DepositStandingChange.whole, DepositStandingChange.tells_owners).where(
        DepositStandingChange.supplier_id == supplier_id
    )
    return [tuple(row) for row in session.execute(query.order_by(DepositStandingChange.id))]


def test_owners_are_told_when_a_short_deposit_takes_a_suppliers_goods_out_and_when_a_top_up_brings_them_back(
    client, app, session
):
    trade = new_trade(client, app, session)
    other = new_trade(client, app, session, shop_name="别家小铺")  # carries another supplier's goods
    supplier_id = trade.product.supplier_id

    draw(session, supplier_id, "promise:late:1")
    assert told(session, trade.owner.id) == [("supplier.deposit_short", 1)]
    assert pay_deposit(session, supplier_user_of(session, trade.product)) == 5_000
    assert told(session, trade.owner.id) == [("supplier.deposit_short", 1), ("supplier.deposit_whole", 1)]
    assert told(session, other.owner.id) == []
    inbox = messages.open_inbox(session=session, owner_id=trade.owner.id, page=1)
    assert {tuple(sorted(m.detail)) for m in inbox.messages if m.kind.startswith("supplier.")} == {
        ("products", "supplier")
    }

    sign_in(client, trade.owner)
    page = client.get("/my/messages").get_data(as_text=True)
    assert "供货商暂停供货" in page and "供货商恢复供货" in page and "1 件商品已从你的小铺下架" in page
    assert "保证金" not in page  # the supplier's business with the platform


def test_a_refresh_that_finds_the_deposit_as_last_recorded_records_nothing(session, app):
    _, supplier = make_supplier(session, app)
    draw(session, supplier.id, "promise:late:2")
    recorded = changes_of(session, supplier.id)
    for _ in range(2):
        refresh_standing(session)
        refresh_standing(session, [supplier.id])
        session.commit()
    assert recorded[-1] == (False, True)  # short while approved
    assert changes_of(session, supplier.id) == recorded


def test_a_suspended_suppliers_top_up_tells_owners_nothing_as_its_goods_stay_out(client, app, session):
    trade = new_trade(client, app, session)
    supplier_id = trade.product.supplier_id
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier_id, action=SupplierAction.SUSPEND, reason="资质复核", admin_id=admin.id
    )
    before = changes_of(session, supplier_id)
    draw(session, supplier_id, "promise:late:3")
    pay_deposit(session, supplier_user_of(session, trade.product))
    assert changes_of(session, supplier_id) == [*before, (False, False), (True, False)]
    assert told(session, trade.owner.id) == [("supplier.suspend", 1)]


def test_a_supplier_reinstated_short_of_its_deposit_is_told_back_only_once_it_tops_up(client, app, session):
    trade = new_trade(client, app, session)
    supplier_id = trade.product.supplier_id
    admin = make_user(session, Role.ADMIN)
    for action in (SupplierAction.SUSPEND, SupplierAction.REINSTATE):
        if action is SupplierAction.REINSTATE:
            draw(session, supplier_id, "promise:late:4")  # short while suspended: its goods stay out when reinstated
        supplier_services.decide(
            session=session, supplier_id=supplier_id, action=action, reason="资质复核", admin_id=admin.id
        )
    assert told(session, trade.owner.id) == [("supplier.suspend", 1)]
    pay_deposit(session, supplier_user_of(session, trade.product))
    assert told(session, trade.owner.id) == [("supplier.suspend", 1), ("supplier.deposit_whole", 1)]


def test_two_refreshes_at_once_record_a_change_once(committed_db, app):
    engine = engine_for(committed_db)
    with Session(engine) as session:
        _, supplier = make_supplier(session, app)
        supplier_id = supplier.id
        before = changes_of(session, supplier_id)
        # Short of a raised requirement, with the refresh that would record it still to run.
        session.execute(sa.update(Supplier).where(Supplier.id == supplier_id).values(deposit_required_fen=10**9))
        session.commit()
    first_written = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        """Record the change and commit only once the second refresh waits on it, having read no record."""
        try:
            with Session(engine) as session:
                refresh_standing(session, [supplier_id])
                first_written.set()
                wait_until_blocked(engine, "WITH standing AS MATERIALIZED")  # the refresh (its text is cut at 1 kB)
                session.commit()
        except BaseException as error:
            errors.append(error)

    def second() -> None:
        try:
            first_written.wait(timeout=30)
            with Session(engine) as session:
                refresh_standing(session, [supplier_id])
                session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(engine) as session:
        assert changes_of(session, supplier_id)[len(before) :] == [(False, True)]
