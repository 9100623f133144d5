"""Pictures for the demo products, drawn with Pillow: this machine has no internet to fetch photos from.

Pure drawing (plain values in, PNG bytes out) plus one function that writes the set to a directory, from
which distro serves them at /images/<name> to landing pages and posters alike.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from distro.share.poster import cjk_font_path

SIZE = 800
# One colour per category, so a shop's picks look different from one another on a shop poster.
CATEGORY_COLOURS = {
    "food_health": (176, 98, 52),
    "beauty_personal_care": (214, 92, 134),
    "mother_baby_toys": (86, 160, 214),
    "home_appliances": (92, 128, 112),
    "apparel_sports": (58, 92, 170),
    "digital": (60, 64, 78),
    "fresh_produce": (236, 150, 28),
    "books_stationery": (120, 96, 176),
}
OTHER_COLOUR = (140, 140, 140)
INK = (255, 255, 255)


def demo_image_name(number: int) -> str:
    """The file name of the demo picture of product number (1-based)."""
    return f"demo-{number:02d}.png"


def draw_demo_image(title: str, category: str) -> bytes:
    """A square PNG: the category's colour with the title's first word large and the whole title beneath."""
    colour = CATEGORY_COLOURS.get(category, OTHER_COLOUR)
    image = Image.new("RGB", (SIZE, SIZE), colour)
    draw = ImageDraw.Draw(image)
    lighter = tuple(min(255, channel + 40) for channel in colour)
    draw.ellipse((120, 80, SIZE - 120, SIZE - 160), fill=lighter)
    font_path = str(cjk_font_path())
    word = title.split()[0][:4] if title.split() else "好物"
    big = ImageFont.truetype(font_path, 150 if len(word) <= 3 else 120, layout_engine=ImageFont.Layout.BASIC)
    draw.text((SIZE / 2, (SIZE - 80) / 2), word, font=big, fill=INK, anchor="mm", stroke_width=2, stroke_fill=INK)
    small = ImageFont.truetype(font_path, 40, layout_engine=ImageFont.Layout.BASIC)
    draw.text((SIZE / 2, SIZE - 80), title[:18], font=small, fill=INK, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_demo_images(directory: Path, products: Iterable[tuple[str, str]]) -> list[str]:
    """Write a picture for each (title, category) into directory; return the file names in order."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for number, (title, category) in enumerate(products, 1):
        name = demo_image_name(number)
        (directory / name).write_bytes(draw_demo_image(title, category))
        names.append(name)
    return names
