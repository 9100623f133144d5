"""Share posters: a 1080×1920 PNG for WeChat Moments with the product, price, reason and QR code.

A shop poster (a link to the whole shop) has no price: a tagline stands in its place and the image area
shows the shop's first picks side by side.

Pure: plain values in, PNG bytes out; no Flask, no database, no Redis. Chinese text is set in Noto Sans SC,
shipped by the ``pylopdf-fonts-zh-cn`` package that the project installs (never a system font, never a
download), so every machine draws the same characters and none draws tofu boxes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from distro.money import format_cny
from distro.share.qr import qr_png

# Bump whenever the picture for the same card changes (layout, colours, font, wording): it is part of
# poster_cache_key, so cached posters drawn by an older layout stop matching.
LAYOUT_VERSION = 2

WIDTH, HEIGHT = 1080, 1920
MARGIN = 64

# Boxes are (left, top, right, bottom) in pixels.
IMAGE_BOX = (0, 0, WIDTH, 1000)
IMAGE_GAP = 8  # white between a shop poster's pictures
MAX_IMAGES = 4
# What product images may be: the formats _cover decodes (and image sources accept, so every fetched image draws).
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
TITLE_BOX = (MARGIN, 1040, WIDTH - MARGIN, 1268)
PRICE_TOP = 1288
DIVIDER_Y = 1420
QR_BOX = (WIDTH - MARGIN - 320, 1460, WIDTH - MARGIN, 1780)
HINT_TOP = QR_BOX[3] + 12
SHOP_BOX = (MARGIN, 1460, QR_BOX[0] - 48, 1520)
REASON_BOX = (MARGIN, 1586, QR_BOX[0] - 48, 1800)

TITLE_SIZE, TITLE_LINE, TITLE_MAX_LINES = 54, 76, 3
PRICE_SIZE = 88
TAGLINE_SIZE = 48
SHOP_SIZE = 42
LABEL_SIZE = 30
REASON_SIZE, REASON_LINE, REASON_MAX_LINES = 34, 52, 4
HINT_SIZE = 28
BADGE_SIZE = 36
BADGE_BAND = (0, IMAGE_BOX[3] - 76, WIDTH, IMAGE_BOX[3])
BADGE_SEPARATOR = "  |  "
HINT = "长按识别二维码购买"
PLACEHOLDER_TEXT = "暂无商品图片"

BACKGROUND = (255, 255, 255)
PLACEHOLDER_COLOUR = (238, 238, 238)
PLACEHOLDER_INK = (170, 170, 170)
INK = (34, 34, 34)
SOFT_INK = (85, 85, 85)
MUTED_INK = (136, 136, 136)
PRICE_INK = (228, 57, 60)
RULE = (230, 230, 230)

ELLIPSIS = "…"
# Punctuation that must not start a line: it hangs at the end of the previous one instead.
_NO_LINE_START = set(",.!?;:)]}%，。！？、；：）】」』》〉…”’")
# A run of non-CJK, non-space characters (a Latin word, a number, a url) stays together on one line.
_TOKEN = re.compile(r"[^\s\u2e80-\u9fff\u3000-\u303f\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\s|.", re.S)


class CJKFontMissingError(RuntimeError):
    """The CJK font that posters are drawn with is not installed."""


@dataclass(frozen=True)
class PosterCard:
    """Everything a share poster shows.

    images are PNG, JPEG or WebP bytes: one fills the image area, two to four share it (a shop's picks), none
    draws a placeholder. A price_fen of None leaves the price out (a shop poster) and draws tagline instead.
    """

    title: str
    price_fen: int | None
    shop_name: str
    reason: str
    share_url: str
    images: tuple[bytes, ...] = ()
    tagline: str = ""
    # The supplier's promise badges (48小时发货 · 超时赔付, 7天包换, 质检), drawn on a band over the picture's foot.
    badges: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.price_fen is not None and (
            not isinstance(self.price_fen, int) or isinstance(self.price_fen, bool) or self.price_fen < 0
        ):
            raise ValueError(f"price_fen must be None or a non-negative int of fen, got {self.price_fen!r}")
        if not self.share_url:
            raise ValueError("share_url must not be empty")
        # A bare bytes value is a tuple of ints to iteration: refuse it rather than draw nothing.
        if not isinstance(self.images, tuple) or not all(isinstance(image, bytes) for image in self.images):
            raise ValueError("images must be a tuple of bytes")
        if len(self.images) > MAX_IMAGES:
            raise ValueError(f"a poster shows at most {MAX_IMAGES} images, got {len(self.images)}")


def cjk_font_path() -> Path:
    """Return the path of the Noto Sans SC font file shipped by the pylopdf-fonts-zh-cn package."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as exc:
        raise CJKFontMissingError(
            "the CJK poster font is not installed: run `pip install -e .` (package pylopdf-fonts-zh-cn)"
        ) from exc
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise CJKFontMissingError(f"the CJK poster font is missing at {path}: reinstall pylopdf-fonts-zh-cn")
    return path


def poster_cache_key(card: PosterCard) -> str:
    """Return a hex digest of everything that shapes card's poster: equal cards, equal keys."""
    digest = hashlib.sha256()
    parts = (
        f"distro-poster:{LAYOUT_VERSION}",
        card.title,
        "no price" if card.price_fen is None else str(card.price_fen),
        card.shop_name,
        card.reason,
        card.share_url,
        card.tagline,
        str(len(card.images)),
        # Only a poster with badges has this part: those without keep the keys (and cached posters) they had.
        *(("badges:" + "\n".join(card.badges),) if card.badges else ()),
    )
    # Each part is length-prefixed, so moving text (or bytes) from one field to the next changes the key.
    for part in (*(p.encode("utf-8") for p in parts), *card.images):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def render_poster(card: PosterCard) -> bytes:
    """Draw card as a 1080×1920 PNG poster for WeChat Moments and return its bytes.

    The same card always gives the same bytes. Undecodable image bytes raise ValueError.
    """
    canvas = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(canvas)

    _draw_images(canvas, draw, card.images)
    _draw_badges(draw, card.badges)

    title_font = _font(TITLE_SIZE)
    title = " ".join(card.title.split())
    lines = _draw_lines(draw, TITLE_BOX, title, title_font, TITLE_LINE, TITLE_MAX_LINES, INK, bold=True)

    # The price follows a short title up, so one-line titles leave no hole above it.
    price_top = min(PRICE_TOP, TITLE_BOX[1] + max(lines, 1) * TITLE_LINE + 20)
    if card.price_fen is not None:
        draw.text(
            (MARGIN, price_top),
            format_cny(card.price_fen),
            font=_font(PRICE_SIZE),
            fill=PRICE_INK,
            stroke_width=1,
            stroke_fill=PRICE_INK,
        )
    elif card.tagline.strip():
        tagline_box = (MARGIN, price_top + 12, WIDTH - MARGIN, DIVIDER_Y)
        _draw_lines(draw, tagline_box, card.tagline.strip(), _font(TAGLINE_SIZE), TAGLINE_SIZE, 1, PRICE_INK)
    draw.line((MARGIN, DIVIDER_Y, WIDTH - MARGIN, DIVIDER_Y), fill=RULE, width=2)

    shop = " ".join(card.shop_name.split())
    _draw_lines(draw, SHOP_BOX, shop, _font(SHOP_SIZE), SHOP_BOX[3] - SHOP_BOX[1], 1, INK, bold=True)
    reason = card.reason.strip()
    if reason:
        label_top = SHOP_BOX[3] + 14
        draw.rounded_rectangle((MARGIN, label_top, MARGIN + 6, REASON_BOX[1] - 14), radius=3, fill=PRICE_INK)
        draw.text((MARGIN + 20, label_top), "掌柜推荐", font=_font(LABEL_SIZE), fill=PRICE_INK)
        _draw_lines(draw, REASON_BOX, reason, _font(REASON_SIZE), REASON_LINE, REASON_MAX_LINES, SOFT_INK)

    _draw_qr(canvas, card.share_url)
    hint_font = _font(HINT_SIZE)
    hint_left = (QR_BOX[0] + QR_BOX[2] - hint_font.getlength(HINT)) / 2
    draw.text((hint_left, HINT_TOP), HINT, font=hint_font, fill=MUTED_INK)

    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: always available and identical on every machine (raqm may or may not be there).
    return ImageFont.truetype(str(cjk_font_path()), size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=1)
def _notdef_mask(size: int) -> tuple[tuple[int, int], bytes]:
    # U+E000 is private use: the font has no glyph for it, so this is the tofu box it draws instead.
    return _mask("\ue000", size)


@functools.lru_cache(maxsize=4096)
def _mask(char: str, size: int) -> tuple[tuple[int, int], bytes]:
    mask = _font(size).getmask(char)
    return mask.size, bytes(mask)


def _drawable(text: str, size: int) -> str:
    """text without the characters the font has no glyph for (emoji, rare symbols): no tofu boxes."""
    tofu = _notdef_mask(size)
    return "".join(ch for ch in text if ch in "\n " or _mask(ch, size) != tofu)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Break text into at most max_lines lines no wider than width, ending in an ellipsis if cut short."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            if font.getlength(line + token) <= width:
                line += token
            elif token.isspace():
                lines.append(line)
                line = ""
            elif token[0] in _NO_LINE_START and line:
                line += token  # hanging punctuation
            elif font.getlength(token) > width:
                for char in token:  # a word wider than the line: break it anywhere
                    if font.getlength(line + char) > width and line:
                        lines.append(line)
                        line = ""
                    line += char
            else:
                lines.append(line.rstrip())
                line = token
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and font.getlength(last + ELLIPSIS) > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + ELLIPSIS]


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    text: str,
    font: ImageFont.FreeTypeFont,
    line_height: int,
    max_lines: int,
    fill: tuple[int, int, int],
    *,
    bold: bool = False,
) -> int:
    """Draw text wrapped into box, line_height apart, and return how many lines were drawn."""
    left, top, right, _ = box
    text = _drawable(text, int(font.size))
    lines = _wrap(text, font, right - left, max_lines)
    for index, line in enumerate(lines):
        # The font ships one weight: a 1 px stroke in the same ink reads as semibold.
        draw.text(
            (left, top + index * line_height),
            line,
            font=font,
            fill=fill,
            stroke_width=1 if bold else 0,
            stroke_fill=fill,
        )
    return len(lines)


def image_cells(count: int) -> list[tuple[int, int, int, int]]:
    """The boxes count images share the image area in: one fills it, two stand side by side, three or four
    make a 2×2 grid (a third spans the bottom row). IMAGE_GAP of background lies between them."""
    left, top, right, bottom = IMAGE_BOX
    middle_x, middle_y, half_gap = (left + right) // 2, (top + bottom) // 2, IMAGE_GAP // 2
    if count == 1:
        return [IMAGE_BOX]
    if count == 2:
        return [(left, top, middle_x - half_gap, bottom), (middle_x + half_gap, top, right, bottom)]
    if count in (3, 4):
        upper = [
            (left, top, middle_x - half_gap, middle_y - half_gap),
            (middle_x + half_gap, top, right, middle_y - half_gap),
        ]
        if count == 3:
            return [*upper, (left, middle_y + half_gap, right, bottom)]
        lower = [
            (left, middle_y + half_gap, middle_x - half_gap, bottom),
            (middle_x + half_gap, middle_y + half_gap, right, bottom),
        ]
        return upper + lower
    raise ValueError(f"a poster shows 1 to {MAX_IMAGES} images, got {count}")


def _draw_images(canvas: Image.Image, draw: ImageDraw.ImageDraw, images: tuple[bytes, ...]) -> None:
    left, top, right, bottom = IMAGE_BOX
    if not images:
        draw.rectangle((left, top, right - 1, bottom - 1), fill=PLACEHOLDER_COLOUR)
        font = _font(40)
        text_left = (left + right - font.getlength(PLACEHOLDER_TEXT)) / 2
        draw.text((text_left, (top + bottom) / 2 - 20), PLACEHOLDER_TEXT, font=font, fill=PLACEHOLDER_INK)
        return
    for data, (cell_left, cell_top, cell_right, cell_bottom) in zip(images, image_cells(len(images)), strict=True):
        canvas.paste(_cover(data, (cell_right - cell_left, cell_bottom - cell_top)), (cell_left, cell_top))


def _cover(data: bytes, size: tuple[int, int]) -> Image.Image:
    """data decoded (PNG, JPEG or WebP only), upright, over white, scaled and centre-cropped to fill size."""
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as source:
            source.draft("RGB", size)  # JPEG: decode at a reduced scale when the photo is much larger
            image = ImageOps.exif_transpose(source)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"an image is not a readable {', '.join(IMAGE_FORMATS)} image") from exc
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, BACKGROUND)
        image.paste(rgba, mask=rgba.getchannel("A"))
    return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def _draw_badges(draw: ImageDraw.ImageDraw, badges: tuple[str, ...]) -> None:
    """The promise badges on a red band across the picture's foot, white on red, in order; those that do not fit
    the width are left out (a phone shows the poster about a third of its size: 36 px draws as about 13)."""
    if not badges:
        return
    font = _font(BADGE_SIZE)
    shown: list[str] = []
    for badge in badges:
        text = BADGE_SEPARATOR.join([*shown, badge])
        if font.getlength(text) > WIDTH - 2 * MARGIN:
            break
        shown.append(badge)
    if not shown:
        return
    draw.rectangle(BADGE_BAND, fill=PRICE_INK)
    top = BADGE_BAND[1] + (BADGE_BAND[3] - BADGE_BAND[1] - BADGE_SIZE) // 2 - 4
    draw.text((MARGIN, top), BADGE_SEPARATOR.join(shown), font=font, fill=BACKGROUND)


def _draw_qr(canvas: Image.Image, url: str) -> None:
    # One pixel per module, then scaled by a whole number with NEAREST: every module stays a sharp square.
    with Image.open(io.BytesIO(qr_png(url, box_size=1, border=4))) as code:
        side = code.size[0]
        box_side = QR_BOX[2] - QR_BOX[0]
        scale = max(1, box_side // side)
        scaled = code.convert("L").resize((side * scale, side * scale), Image.Resampling.NEAREST)
    offset = (box_side - scaled.size[0]) // 2
    canvas.paste(scaled.convert("RGB"), (QR_BOX[0] + offset, QR_BOX[1] + offset))
