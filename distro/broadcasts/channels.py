"""The outside channels a broadcast goes out on (WeChat subscribe message, SMS), behind one interface.

Only demo channels ship: no WeChat or SMS gateway can be reached from here, and the demos are refused outside
development (validate_settings), since they log what a real channel would send. Each kind is chosen by its setting:
NOTIFY_WECHAT and NOTIFY_SMS, "demo" or "off" (an owner who chose it is sent nothing).

A real channel implements NotificationChannel.send for a chunk of owners at a time:

* WeChat subscribe message (订阅消息, ``POST /cgi-bin/message/subscribe/send`` of the mini program or official
  account with the owner's openid, an approved template_id and its data fields): an owner must have accepted the
  template in WeChat first (wx.requestSubscribeMessage), one send per acceptance for one-off templates; the openid
  is not something distro keeps yet;
* SMS (Aliyun ``SendBatchSms``, Tencent ``SendSms`` with up to 200 numbers): a pre-approved marketing template
  under an approved signature, with 拒收请回复R; distro keeps only a keyed reference of each phone, so a real
  channel needs the gateway's own address book (or a number kept for this purpose, with consent).

A channel sends at least once: the fan-out may hand it a chunk again after a crash (distro/broadcasts/fanout.py).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from distro.settings import ConfigurationError

log = logging.getLogger(__name__)

PROVIDERS = frozenset({"demo", "off"})
"""What NOTIFY_WECHAT and NOTIFY_SMS may name."""


@dataclass(frozen=True)
class Recipient:
    """An owner to tell: their account and, for SMS, the masked phone (the only form distro keeps readable)."""

    owner_id: int
    phone_masked: str | None


@dataclass(frozen=True)
class Notice:
    """What goes out: the broadcast's title, text and link."""

    broadcast_id: int
    title: str
    body: str
    link_path: str | None


@dataclass(frozen=True)
class Sent:
    """A notice a demo channel would have sent."""

    channel: str
    owner_id: int
    broadcast_id: int


class NotificationChannel(Protocol):
    """Sends a notice to a chunk of owners on one outside channel; returns how many it sent."""

    name: str

    def send(self, notice: Notice, recipients: Sequence[Recipient]) -> int:
        """Send notice to each recipient (at least once); raise to have the whole chunk retried."""
        ...


_demo_outbox: deque[Sent] = deque(maxlen=100_000)  # the newest notices: a dev server runs for days


class DemoChannel:
    """Demo: logs one line per chunk instead of sending, and keeps each notice in this process's outbox."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, notice: Notice, recipients: Sequence[Recipient]) -> int:
        """Log the chunk and keep its notices in the outbox."""
        log.warning("demo %s notice %r to %d owners", self.name, notice.title, len(recipients))
        _demo_outbox.extend(Sent(self.name, recipient.owner_id, notice.broadcast_id) for recipient in recipients)
        return len(recipients)


class OffChannel:
    """Off: the channel is not configured, so nothing is sent on it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, notice: Notice, recipients: Sequence[Recipient]) -> int:
        """Send nothing."""
        return 0


def demo_outbox() -> list[Sent]:
    """What the demo channels sent in this process, oldest first."""
    return list(_demo_outbox)


def clear_demo_outbox() -> None:
    """Forget what the demo channels sent (for tests)."""
    _demo_outbox.clear()


SETTINGS = {"wechat": "NOTIFY_WECHAT", "sms": "NOTIFY_SMS"}
"""Which setting picks each outside channel's provider."""


def channel_for(name: str, settings: Mapping) -> NotificationChannel:
    """The channel an owner's choice names, as its setting configures it."""
    provider = settings[SETTINGS[name]]
    if provider == "demo":
        return DemoChannel(name)
    if provider == "off":
        return OffChannel(name)
    raise ConfigurationError(f"DISTRO_{SETTINGS[name]}={provider!r} is not available; use 'demo' or 'off'.")
