"""Promises in the words people read: badges (徽章) and what a breach missed, in the request's language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from distro.money import format_cny, format_rate
from distro.promises.rules import Badge, BadgeKind, Compensation, CompensationKind

BREACH_KINDS = {"ship": _l("超时发货"), "deliver": _l("超时送达")}
"""Each breach kind (rules.BreachKind), as suppliers, finance and buyers read it."""


def badge_text(badge: Badge) -> str:
    """One badge's words: 48小时发货 · 超时赔付, 5天送达 · 超时赔付, 7天包换, 质检."""
    if badge.kind is BadgeKind.SHIP:
        return _("%(hours)s小时发货 · 超时赔付", hours=badge.number)
    if badge.kind is BadgeKind.DELIVER:
        return _("%(days)s天送达 · 超时赔付", days=badge.number)
    if badge.kind is BadgeKind.EXCHANGE:
        return _("%(days)s天包换", days=badge.number)
    return _("质检")


def badge_texts(badges: list[Badge]) -> list[str]:
    """Each badge's words, in order."""
    return [badge_text(badge) for badge in badges]


def chinese_badge_texts(badges: list[Badge]) -> list[str]:
    """Each badge's words in Chinese whatever the request's language: for posters, whose other words are Chinese."""
    with force_locale("zh_CN"):
        return badge_texts(badges)


def compensation_text(compensation: Compensation | None) -> str:
    """A promise's compensation as the supplier set it: 赔付 ¥10.00, or 赔付实付金额的 10%."""
    if compensation is None:
        return ""
    if compensation.kind is CompensationKind.FIXED:
        return _("赔付 %(amount)s", amount=format_cny(compensation.value))
    return _("赔付实付金额的 %(rate)s", rate=format_rate(compensation.value))
