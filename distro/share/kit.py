"""The share kit (pure): everything a client needs to share one link on each channel."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from distro.money import format_cny
from distro.urls import absolute_url

WEIBO_SHARE = "https://service.weibo.com/share/share.php"


@dataclass(frozen=True)
class Shareable:
    """What a link shows: title, description, price, picture, and where it lives."""

    shop_name: str
    title: str
    description: str
    price_fen: int | None
    image_url: str | None  # as stored: distro's own pictures relative (/images/<name>)
    base_url: str
    code: str

    @property
    def url(self) -> str:
        """The short link."""
        return f"{self.base_url}/s/{self.code}"


def share_kit(item: Shareable) -> dict:
    """WeChat share data, the Weibo share intent, copyable text, poster and QR addresses for one link."""
    picture = absolute_url(item.base_url, item.image_url) if item.image_url else f"{item.url}/qr.png"
    price = f" {format_cny(item.price_fen)}" if item.price_fen is not None else ""
    copy_lines = [f"【{item.shop_name}】{item.title}{price}"]
    if item.description:
        copy_lines.append(item.description)
    copy_lines.append(f"戳链接购买 👉 {item.url}")
    return {
        "url": item.url,
        "wechat": {
            "title": item.title,
            "desc": item.description or item.shop_name,
            "link": item.url,
            "imgUrl": picture,
        },
        "weibo_intent_url": f"{WEIBO_SHARE}?{urlencode({'url': item.url, 'title': copy_lines[0], 'pic': picture})}",
        "copy_text": "\n".join(copy_lines),
        "poster_url": f"{item.url}/poster.png",
        "qr_png_url": f"{item.url}/qr.png",
        "qr_svg_url": f"{item.url}/qr.svg",
    }
