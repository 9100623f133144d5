"""Owners' payee accounts (bank, WeChat, Alipay): where their payouts go."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import audit
from distro.settlement.models import PayeeAccount


def register_payee(*, session: Session, owner_id: int, values: Mapping[str, Any]) -> PayeeAccount:
    """Register the owner's payee account, which becomes their default; commit."""
    session.execute(sa.update(PayeeAccount).where(col(PayeeAccount.owner_id) == owner_id).values(is_default=False))
    account = PayeeAccount(owner_id=owner_id, is_default=True, **values)
    session.add(account)
    audit.record(
        session,
        actor_id=owner_id,
        action="payee.registered",
        subject_type="user",
        subject_id=owner_id,
        after={"kind": values["kind"]},
    )
    session.commit()
    return account


def payees_query(owner_id: int) -> sa.Select:
    """The owner's payee accounts, newest first."""
    return sa.select(PayeeAccount).where(col(PayeeAccount.owner_id) == owner_id).order_by(col(PayeeAccount.id).desc())
