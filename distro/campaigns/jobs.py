"""Campaign jobs: the start hook, which announces each campaign once when it starts (`rq cron`, every minute)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from distro import clock
from distro.broadcasts import services as broadcasts
from distro.campaigns.models import Campaign
from distro.campaigns.rules import Status
from distro.db import session_scope

ANNOUNCE_AHEAD = dt.timedelta(seconds=90)
"""How long before its start a campaign is published: the hook runs every minute, so each campaign's broadcast is
in place before its start and every inbox shows it at the start itself (it reads by visible_from), and the
outside channels' fan-out is enqueued for that moment (distro.broadcasts.fanout)."""


def announce_started_campaigns() -> int:
    """Announce every scheduled campaign starting within ANNOUNCE_AHEAD (or started) that was not announced yet,
    each for its start; how many.

    Safe to run twice or late: each campaign is marked announced in the transaction that announces it, rows
    locked with SKIP LOCKED so two runs never both take one. A campaign whose slot ended before any run saw it
    is marked without an announcement (its prices are already back to normal: telling owners would mislead).
    The cron schedule gives each run a deterministic job id (distro.scheduler.JsonCronJob).
    """
    with session_scope() as session:
        return announce_due(session)


def announce_due(session: Session) -> int:
    """The job's work on a given session; commits."""
    now = clock.utcnow()
    due = session.execute(
        sa.select(Campaign)
        .where(
            col(Campaign.status) == Status.SCHEDULED.value,
            col(Campaign.announced_at).is_(None),
            col(Campaign.starts_at) <= now + ANNOUNCE_AHEAD,
        )
        .order_by(col(Campaign.id))
        .with_for_update(skip_locked=True)
    ).scalars()
    announced = 0
    for campaign in due:
        campaign.announced_at = now
        if campaign.ends_at > now:
            _announce(session, campaign)
            announced += 1
    session.commit()
    return announced


def _announce(session: Session, campaign: Campaign) -> None:
    """Tell every owner the campaign started: one broadcast every owner's 消息 shows at once (no write per owner),
    and its fan-out to the outside channel each owner chose. Keyed by the campaign, so a rerun publishes nothing
    twice; publish commits, taking this run's announced_at with it."""
    broadcasts.publish(
        session=session,
        key=f"campaign:{campaign.id}:start",
        kind="campaign",
        title=campaign.title,
        body=campaign.text,
        link_path="/my/hot",
        visible_from=campaign.starts_at,
    )
