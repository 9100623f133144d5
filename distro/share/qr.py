"""QR codes for share links as PNG or SVG bytes (pure: no Flask, no database, no Redis)."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.image.svg

# Level Q restores up to ~25% of damaged codewords. Share codes are printed on posters, photographed
# through shop windows and recompressed as JPEG by WeChat Moments, so L (7%) and M (15%) leave too
# little margin. H (30%) only pays off when a logo is pasted over the code, which we do not do, and it
# needs a denser symbol for the same url: smaller modules at the same printed size blur sooner.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
ERROR_CORRECTION_LEVEL = "Q"


def _matrix(url: str, box_size: int, border: int, image_factory: type | None = None) -> qrcode.QRCode:
    if not isinstance(url, str) or not url:
        raise ValueError("url must be a non-empty string")
    if box_size < 1:
        raise ValueError(f"box_size must be at least 1, got {box_size}")
    if border < 0:
        raise ValueError(f"border must not be negative, got {border}")
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECTION, box_size=box_size, border=border, image_factory=image_factory
    )
    code.add_data(url)
    try:
        code.make(fit=True)
    # Past version 40, qrcode raises DataOverflowError or (fitting) a ValueError about version 41.
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:
        raise ValueError(f"url is too long for a QR code at level {ERROR_CORRECTION_LEVEL}: {len(url)} chars") from exc
    return code


def qr_png(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """Encode url as a black-on-white QR code PNG, box_size pixels per module, border modules of quiet zone.

    The same arguments always give the same bytes. A url too long to fit a QR code raises ValueError.
    """
    image = _matrix(url, box_size, border).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """Encode url as a QR code SVG (UTF-8): one path of square modules on a white background.

    Sizes follow the qrcode package: a module is box_size / 10 mm wide, with border modules of quiet
    zone. The same arguments always give the same bytes. A url too long to fit raises ValueError.
    """
    # The *Fill* factory paints a white background, so the quiet zone survives a coloured page.
    image = _matrix(url, box_size, border, qrcode.image.svg.SvgPathFillImage).make_image()
    return image.to_string(encoding="utf-8")
