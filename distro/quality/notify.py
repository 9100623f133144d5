"""Telling a supplier about its review by text message, on the outside channels' interface (distro/broadcasts/
channels.py: "demo" logs and keeps what it would send, refused outside development; "off" sends nothing; a real
SMS channel implements NotificationChannel). The console shows every review besides (供货商 › 考核)."""

from __future__ import annotations

from collections.abc import Mapping

from distro.broadcasts.channels import Notice, Recipient, channel_for

REVIEWS_PATH = "/console/supplier/reviews"

TEXTS = {
    "warning": (
        "月度考核警告",
        "{period} 考核未达标（{failed}），第 {strike} 次警告：累计 3 次将暂停合作。详情见控制台·考核。",
    ),
    "suspended": ("月度考核：暂停合作", "{period} 考核未达标（{failed}），已第 {strike} 次：合作已暂停，商品已下架。"),
    "overruled": ("考核结果已撤销", "{period} 的考核结果已由平台撤销：{reason}"),
}
"""What the text says, by what happened (a template approved with the SMS provider in production)."""

MEASURE_NAMES = {"on_time": "准时发货率", "refund": "退款率", "cancel": "取消率"}


def tell_supplier(
    settings: Mapping,
    *,
    review_id: int,
    user_id: int,
    phone_masked: str | None,
    what: str,
    period: str,
    failed: list[str],
    strike: int,
    reason: str = "",
) -> int:
    """Send the supplier's account the text of what happened to its review (the notice's id is the review's);
    returns how many were sent. An account without a verified phone is sent nothing."""
    if phone_masked is None:
        return 0
    title, body = TEXTS[what]
    names = "、".join(MEASURE_NAMES.get(name, name) for name in failed)
    notice = Notice(
        broadcast_id=review_id,
        title=title,
        body=body.format(period=period, failed=names, strike=strike, reason=reason),
        link_path=REVIEWS_PATH,
    )
    return channel_for("sms", settings).send(notice, [Recipient(owner_id=user_id, phone_masked=phone_masked)])
