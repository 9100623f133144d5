"""The printable selection sheet: an A4 page (PNG or PDF) of products, each with its picture, title, price and a
QR code to the owner's link for it, for an offline shelf or a market stall. Pure: Pillow and qrcode, no database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from distro.money import format_cny
from distro.share.poster import IMAGE_FORMATS, cjk_font_path
from distro.share.qr import qr_png

DPI = 150
PAGE = (1240, 1754)
"""A4 (210 × 297 mm) at 150 dpi."""
MARGIN = 50
HEADER = 160
COLUMNS, ROWS = 2, 4
MAX_ITEMS = COLUMNS * ROWS
"""What one A4 page holds."""
PICTURE_SIDE = 240
QR_SIDE = 180
INK = (34, 34, 34)
PRICE_INK = (200, 30, 40)
PLACEHOLDER = (238, 238, 238)
FORMATS = {"png": ("PNG", "image/png"), "pdf": ("PDF", "application/pdf")}
"""The sheet's file formats: name → (Pillow's format, media type)."""


@dataclass(frozen=True)
class SheetItem:
    """A product on the sheet."""

    title: str
    price_fen: int
    url: str
    """The owner's share link for it, which its QR code encodes."""
    picture: bytes | None = None


def cells(count: int) -> list[tuple[int, int, int, int]]:
    """The boxes (left, top, right, bottom) of the first `count` products, row by row."""
    width = (PAGE[0] - 2 * MARGIN) // COLUMNS
    height = (PAGE[1] - MARGIN - HEADER) // ROWS
    return [
        (
            MARGIN + (i % COLUMNS) * width,
            HEADER + (i // COLUMNS) * height,
            MARGIN + (i % COLUMNS + 1) * width,
            HEADER + (i // COLUMNS + 1) * height,
        )
        for i in range(count)
    ]


def qr_box(cell: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Where a product's QR code is drawn in its cell."""
    _left, top, right, _bottom = cell
    return (right - 20 - QR_SIDE, top + 170, right - 20, top + 170 + QR_SIDE)


def qr_image(url: str) -> Image.Image:
    """The QR code of url as drawn on the sheet: QR_SIDE pixels square, sharp modules on white."""
    with Image.open(io.BytesIO(qr_png(url, box_size=1, border=4))) as code:
        side = code.size[0]
        scale = max(1, QR_SIDE // side)
        scaled = code.convert("L").resize((side * scale, side * scale), Image.Resampling.NEAREST)
    canvas = Image.new("L", (QR_SIDE, QR_SIDE), 255)
    offset = (QR_SIDE - scaled.size[0]) // 2
    canvas.paste(scaled, (offset, offset))
    return canvas.convert("RGB")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """text broken into at most `lines` lines of `width` pixels (Chinese breaks anywhere), an ellipsis if cut."""
    result, line = [], ""
    for char in text:
        if font.getlength(line + char) > width:
            result.append(line)
            line = char
            if len(result) == lines:
                break
        else:
            line += char
    else:
        if line:
            result.append(line)
        return result[:lines]
    last = result[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return [*result[:-1], last + "…"]


def _picture(data: bytes | None) -> Image.Image:
    side = (PICTURE_SIDE, PICTURE_SIDE)
    if data is not None:
        try:
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as source:
                source.draft("RGB", side)
                image = ImageOps.exif_transpose(source)
                image.load()
            return ImageOps.fit(image.convert("RGB"), side, Image.Resampling.LANCZOS)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            pass  # drawn as the placeholder below: a sheet without one picture is still a sheet
    return Image.new("RGB", side, PLACEHOLDER)


def render_sheet(title: str, items: list[SheetItem], file_format: str = "png") -> bytes:
    """The sheet headed `title` with up to MAX_ITEMS products, as PNG or PDF bytes (ValueError otherwise)."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown sheet format {file_format!r}")
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValueError(f"a sheet holds 1 to {MAX_ITEMS} products, got {len(items)}")
    page = Image.new("RGB", PAGE, (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.text((MARGIN, MARGIN), _wrap(title, _font(44), PAGE[0] - 2 * MARGIN, 1)[0], font=_font(44), fill=INK)
    draw.text((MARGIN, MARGIN + 56), "扫码即可下单 · 供货商直发", font=_font(24), fill=INK)
    for item, cell in zip(items, cells(len(items)), strict=True):
        left, top, right, bottom = cell
        draw.rectangle((left + 4, top + 4, right - 4, bottom - 4), outline=(210, 210, 210), width=2)
        page.paste(_picture(item.picture), (left + 20, top + 20))
        text_left = left + 20 + PICTURE_SIDE + 20
        title_font = _font(26)
        for number, line in enumerate(_wrap(item.title, title_font, right - 20 - text_left, 3)):
            draw.text((text_left, top + 20 + number * 34), line, font=title_font, fill=INK)
        draw.text((text_left, top + 125), format_cny(item.price_fen), font=_font(34), fill=PRICE_INK)
        box = qr_box(cell)
        page.paste(qr_image(item.url), box[:2])
        draw.text((left + 20, top + 20 + PICTURE_SIDE + 20), "微信扫码购买 →", font=_font(24), fill=INK)
    out = io.BytesIO()
    page.save(out, format=FORMATS[file_format][0], resolution=DPI)
    return out.getvalue()
