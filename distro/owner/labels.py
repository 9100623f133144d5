"""What the owner app calls the domain's codes, in the pages' words (Chinese first; English in the catalogue).

Each table covers every code its domain has (checked when the module loads), so a page never shows a bare code.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from distro.commission.orders import LINE_STATUSES
from distro.money import format_rate as rate  # noqa: F401  # a rate or share in bp, as the pages write it
from distro.share.models import CHANNELS as SHARE_CHANNELS
from distro.suppliers.rules import CATEGORIES
from distro.tiers.rules import BUSINESS_TZ

SHANGHAI = ZoneInfo(BUSINESS_TZ)

CHANNELS = {
    "wechat_chat": _l("微信好友"),
    "wechat_moments": _l("朋友圈"),
    "weibo": _l("微博"),
    "momo": _l("陌陌"),
    "xiaohongshu": _l("小红书"),
    "qr": _l("二维码"),
    "copy": _l("复制链接"),
    "other": _l("其他渠道"),
    "direct": _l("直接进店"),
}
"""Share channels (distro.share.models.CHANNELS), and "direct": an order or visit that came by no share link."""
ATTRIBUTIONS = {"share_code": _l("分享链接"), "shop": _l("店铺页面"), "binding": _l("老顾客回购"), "none": _l("无归属")}
"""How an order found its shop (distro.commission.attribution)."""
LINE_STATUS = {
    "pending": _l("待结算"),
    "payable": _l("可结算"),
    "settled": _l("已结算"),
    "reversed": _l("已取消"),
    "clawed_back": _l("已扣回"),
}
PAYOUT_STATUS = {
    "held": _l("暂缓打款"),
    "pending": _l("打款中"),
    "paid": _l("已打款"),
    "failed": _l("打款失败"),
    "cancelled": _l("已撤销"),
}
PAYEE_KINDS = {"bank": _l("银行卡"), "wechat": _l("微信"), "alipay": _l("支付宝")}
METRICS = {"net_gmv_fen": _l("销售额"), "orders": _l("订单"), "buyers": _l("买家")}
"""The metrics of a tier's thresholds (net GMV: paid less refunded)."""
CATEGORY_NAMES = {
    "food_health": _l("食品保健"),
    "beauty_personal_care": _l("美妆个护"),
    "mother_baby_toys": _l("母婴玩具"),
    "home_appliances": _l("家居家电"),
    "apparel_sports": _l("服饰运动"),
    "digital": _l("数码电子"),
    "fresh_produce": _l("生鲜水果"),
    "books_stationery": _l("图书文具"),
    "other": _l("其他"),
}
"""Product categories (distro.suppliers.rules.CATEGORIES), in the pages' language."""

assert set(CHANNELS) == {*SHARE_CHANNELS, "direct"}
assert set(LINE_STATUS) == set(LINE_STATUSES)
assert {code: str(name) for code, name in CATEGORY_NAMES.items()} == CATEGORIES


def moment(at: dt.datetime) -> str:
    """When something happened, as the pages write it: 2026-12-05 10:39, in Asia/Shanghai (every owner's time)."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def day(at: dt.datetime) -> str:
    """The Asia/Shanghai day of a moment: 2026-12-05."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d")
