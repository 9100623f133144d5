"""What the review pages (admin and supplier) say of outcomes and measures, and how they show rates and durations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from distro.money import format_rate

OUTCOMES = {
    "passed": _l("达标"),
    "too_few": _l("订单不足，未考核"),
    "warning": _l("警告"),
    "suspended": _l("三振出局，已暂停"),
}
MEASURES = {"on_time": _l("准时发货率"), "refund": _l("退款率"), "cancel": _l("取消率")}


def rate(bp: int | None) -> str:
    """Basis points as a percentage, or a dash when there was nothing to measure."""
    return "—" if bp is None else format_rate(bp)


def assessed_rate(outcome: str, bp: int | None) -> str:
    """A review's rate as the lists show it: a dash in a month with too few orders to assess, whose rates over a
    handful of orders would read as a verdict."""
    return "—" if outcome == "too_few" else rate(bp)


def hours(seconds: int | None) -> str:
    """Seconds as hours with one decimal (48.5 小时), or a dash."""
    if seconds is None:
        return "—"
    tenths = (seconds * 10 + 1800) // 3600
    return str(_l("%(hours)s 小时", hours=f"{tenths // 10}.{tenths % 10}"))


HELPERS = {"outcomes": OUTCOMES, "measures": MEASURES, "rate": rate, "assessed_rate": assessed_rate, "hours": hours}
"""What both pages' templates are given."""
