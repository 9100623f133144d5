"""WeChat JS-SDK's wx.config, behind an interface: what a page opened inside WeChat needs so that the card it forwards
carries the title, description and picture distro chooses (updateAppMessageShareData, updateTimelineShareData).

wx.config takes the official account's (公众号) appId, a timestamp, a random nonceStr and a signature: the SHA-1 of
``jsapi_ticket=…&noncestr=…&timestamp=…&url=…`` (the four keys in that order, which is their ASCII order, values
as they are, not URL-escaped), where url is the page's own address without its #fragment (``signature``, held to
WeChat's own published example in the unit tests). The page must be served on a domain the account lists as its
JS接口安全域名, which is PUBLIC_BASE_URL's: the signed URL is built from it, never from the Host header.

The jsapi_ticket is the account's, valid 7,200 s, and comes through JsapiTickets. WeChat allows only a few ticket
(and access_token) fetches a day and each fetch voids the last, so one holder per account fetches and renews them
(WeChat's 中控服务器): ``GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=…&secret=…``,
then ``GET https://api.weixin.qq.com/cgi-bin/ticket/getticket?access_token=…&type=jsapi``, renewed a few minutes
before ``expires_in``. distro is not that holder (no WeChat server can be reached from here): the real
implementation, ``official_account``, reads the ticket the holder keeps in Redis (WECHAT_JSAPI_TICKET_KEY).

Chosen by WECHAT_SDK_PROVIDER, as the SMS and payment providers are: ``demo`` (the default) signs with a made-up
ticket and app id, so its signature is not WeChat's; pages say so (演示), and it is refused outside development.
``off`` signs nothing.

distro never loads WeChat's script itself (jweixin.js lives on res.wx.qq.com, and no page of distro loads anything
from another origin): the owner's 推广 page carries the signed config and the share data as JSON for it, and the
buyers' landing pages carry Open Graph and itemprop meta tags that previews read without any script.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import redis

from distro.settings import ConfigurationError

log = logging.getLogger(__name__)

WECHAT_SDK_PROVIDERS = frozenset({"demo", "off", "official_account"})
"""What WECHAT_SDK_PROVIDER may name."""
SHARE_APIS = ("updateAppMessageShareData", "updateTimelineShareData")
"""The JS-SDK calls the config asks for: the card forwarded to a chat, and the one shared to Moments."""
DEMO_APP_ID = "wx-demo"
DEMO_TICKET = "demo-jsapi-ticket"  # a made-up ticket: nothing WeChat would accept


class TicketUnavailable(Exception):
    """No jsapi_ticket could be had; the text says why (for the log)."""


class JsapiTickets(Protocol):
    """Where the official account's current jsapi_ticket comes from."""

    def current(self) -> str:
        """The ticket in force, or raise TicketUnavailable."""
        ...


@dataclass(frozen=True)
class WxConfig:
    """What wx.config takes, and whether it is the demo's (a signature WeChat would refuse)."""

    app_id: str
    timestamp: int
    nonce_str: str
    signature: str
    demo: bool

    def for_sdk(self) -> dict:
        """The argument to wx.config, as WeChat names its fields."""
        return {
            "appId": self.app_id,
            "timestamp": self.timestamp,
            "nonceStr": self.nonce_str,
            "signature": self.signature,
            "jsApiList": list(SHARE_APIS),
        }


def signature(*, ticket: str, nonce_str: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature of a page's url (its #fragment left out) with the account's jsapi_ticket."""
    fields = {"jsapi_ticket": ticket, "noncestr": nonce_str, "timestamp": str(timestamp), "url": url.split("#")[0]}
    signed = "&".join(f"{name}={fields[name]}" for name in sorted(fields))
    return hashlib.sha1(signed.encode(), usedforsecurity=False).hexdigest()


class WechatSdk(Protocol):
    """Signs wx.config for a page."""

    def config(self, url: str) -> WxConfig | None:
        """The config for the page at url (absolute, on PUBLIC_BASE_URL), or None when none can be given."""
        ...


class TicketSigner:
    """Signs with the app's jsapi_ticket from tickets; None (logged) when no ticket can be had, so that the page
    still opens, only without the SDK's card."""

    def __init__(
        self, app_id: str, tickets: JsapiTickets, *, demo: bool = False, clock: Callable[[], float] = time.time
    ) -> None:
        self.app_id, self.tickets, self.demo, self.clock = app_id, tickets, demo, clock

    def config(self, url: str) -> WxConfig | None:
        """A fresh nonce and the current time, signed with the ticket in force."""
        try:
            ticket = self.tickets.current()
        except TicketUnavailable as error:
            log.warning("no WeChat JS-SDK config for %s: %s", url, error)
            return None
        nonce, now = secrets.token_hex(8), int(self.clock())
        signed = signature(ticket=ticket, nonce_str=nonce, timestamp=now, url=url)
        return WxConfig(self.app_id, now, nonce, signed, self.demo)


class RedisTickets:
    """The ticket the account's token holder keeps in Redis under key (as text)."""

    def __init__(self, connection: redis.Redis, key: str) -> None:
        self.connection, self.key = connection, key

    def current(self) -> str:
        """The ticket stored under key; TicketUnavailable when there is none or Redis does not answer."""
        try:
            value = self.connection.get(self.key)
        except redis.RedisError as error:
            raise TicketUnavailable(f"Redis did not answer: {error}") from error
        if not value:
            raise TicketUnavailable(f"no jsapi_ticket under {self.key!r}: is the token holder running?")
        return value.decode() if isinstance(value, bytes) else str(value)


class FixedTicket:
    """One ticket, always: the demo's made-up one."""

    def __init__(self, ticket: str) -> None:
        self.ticket = ticket

    def current(self) -> str:
        """The ticket."""
        return self.ticket


class NoWechatSdk:
    """Off: no config, so pages opened in WeChat forward WeChat's default card."""

    def config(self, url: str) -> WxConfig | None:
        """None."""
        return None


def wechat_sdk(settings: Mapping, connect: Callable[[str], redis.Redis]) -> WechatSdk:
    """The implementation WECHAT_SDK_PROVIDER names; connect(url) gives the Redis client the tickets are read with."""
    name = settings["WECHAT_SDK_PROVIDER"]
    if name == "demo":
        return TicketSigner(DEMO_APP_ID, FixedTicket(DEMO_TICKET), demo=True)
    if name == "off":
        return NoWechatSdk()
    if name == "official_account":
        tickets = RedisTickets(connect(settings["REDIS_URL"]), settings["WECHAT_JSAPI_TICKET_KEY"])
        return TicketSigner(settings["WECHAT_APP_ID"], tickets)
    raise ConfigurationError(f"DISTRO_WECHAT_SDK_PROVIDER={name!r} is not one of {sorted(WECHAT_SDK_PROVIDERS)}.")
