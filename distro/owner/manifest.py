"""The owner app's web app manifest and its icons, so an owner can add it to the phone's home screen."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from distro.share.poster import cjk_font_path

ICON_SIZES = (192, 512)
"""Square icon sizes in pixels: what Android asks of an installable web app."""
BRAND_RED = "#d7282b"
"""The pages' accent colour (4.97:1 against white)."""


def manifest(*, start_url: str, icon_url: Any, name: str, short_name: str, lang: str) -> dict[str, Any]:
    """The manifest: opened at start_url standalone, named in the page's language, with an icon of each size
    (icon_url(size) gives its URL)."""
    return {
        "name": name,
        "short_name": short_name,
        "lang": lang,
        "dir": "ltr",
        "start_url": start_url,
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": BRAND_RED,
        "icons": [
            {"src": icon_url(size), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
            for size in ICON_SIZES
        ],
    }


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """A size×size PNG: 店 in white on the brand red, inside the maskable safe zone (the middle 80%)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no icon of {size} pixels; sizes are {ICON_SIZES}")
    image = Image.new("RGB", (size, size), BRAND_RED)
    font = ImageFont.truetype(str(cjk_font_path()), int(size * 0.5))
    ImageDraw.Draw(image).text((size / 2, size / 2), "店", fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
