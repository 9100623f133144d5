import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from distro.share.qr import ERROR_CORRECTION_LEVEL, qr_png, qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
SHORT_URL = "https://distro.example.cn/s/Ab3dE9xZ"
# A long url: a percent-encoded Chinese path segment and a query string with several parameters.
LONG_URL = (
    f"https://distro.example.cn/s/Ab3dE9xZ/{quote('云南普洱春茶')}/detail"
    f"?src=moments&utm_campaign={quote('春茶上新')}&shop=12345&ref=abcdefghijklmnop&t=1718000000#buy"
)
URLS = [SHORT_URL, LONG_URL]


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [code for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode]


def parse_svg(svg: bytes) -> ET.Element:
    # Our own generated output, not untrusted input: the stdlib parser is fine here.
    return ET.fromstring(svg)  # noqa: S314


def svg_modules(svg: bytes, box_size: int) -> set[tuple[int, int]]:
    """The dark modules of a qr_svg document as (column, row), read from its path's squares."""
    root = parse_svg(svg)
    path = root.find(f"{SVG_NS}path")
    assert path is not None
    number = r"(\d+(?:\.\d+)?)"
    square = re.compile(rf"M{number},{number}H{number}V{number}H{number}z")
    d = path.get("d", "")
    assert re.fullmatch(rf"(?:{square.pattern})+", d), "the path holds something other than squares"
    unit = box_size / 10  # qrcode's svg factories: one module is box_size / 10 mm
    modules = set()
    for x0, y0, x1, y1, x_back in square.findall(d):
        assert float(x_back) == float(x0)
        assert round((float(x1) - float(x0)) / unit, 6) == 1 and round((float(y1) - float(y0)) / unit, 6) == 1
        modules.add((round(float(x0) / unit), round(float(y0) / unit)))
    return modules


def rasterise(modules: set[tuple[int, int]], side: int, scale: int = 8) -> Image.Image:
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for column, row in modules:
        draw.rectangle((column * scale, row * scale, (column + 1) * scale - 1, (row + 1) * scale - 1), fill=0)
    return image


def png_modules(png: bytes) -> tuple[set[tuple[int, int]], int]:
    """The dark modules of a qr_png made with box_size=1, and its side in modules."""
    image = Image.open(io.BytesIO(png)).convert("L")
    side = image.size[0]
    return {(x, y) for y in range(side) for x in range(side) if image.getpixel((x, y)) < 128}, side


def test_the_png_is_a_square_png_whose_side_is_a_whole_number_of_modules():
    png = qr_png(SHORT_URL, box_size=7, border=4)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = image.size
    assert width == height
    assert width % 7 == 0
    # Version 1..40 symbols are 21..177 modules, plus 4 modules of quiet zone on each side.
    assert 21 + 8 <= width // 7 <= 177 + 8


def test_the_quiet_zone_around_the_png_is_white():
    image = Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=5, border=4))).convert("L")
    side = image.size[0]
    quiet = 4 * 5
    for x in range(side):
        for y in [*range(quiet), *range(side - quiet, side)]:
            assert image.getpixel((x, y)) == 255
            assert image.getpixel((y, x)) == 255


@pytest.mark.parametrize("url", URLS, ids=["short", "long-with-query-and-chinese"])
def test_the_qr_code_decodes_to_the_exact_url(url):
    codes = decode(Image.open(io.BytesIO(qr_png(url))))
    assert [code.text for code in codes] == [url]


def test_the_qr_code_uses_the_chosen_error_correction_level_q():
    assert ERROR_CORRECTION_LEVEL == "Q"
    for url in URLS:
        (code,) = decode(Image.open(io.BytesIO(qr_png(url))))
        assert code.ec_level == ERROR_CORRECTION_LEVEL


def test_the_same_url_always_gives_identical_bytes():
    assert qr_png(LONG_URL) == qr_png(LONG_URL)
    assert qr_svg(LONG_URL) == qr_svg(LONG_URL)
    assert qr_png(LONG_URL) != qr_png(SHORT_URL)
    assert qr_svg(LONG_URL) != qr_svg(SHORT_URL)


def test_box_size_and_border_scale_the_png():
    small = Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=2, border=1)))
    large = Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=6, border=1)))
    assert large.size[0] == small.size[0] * 3
    wide_border = Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=2, border=5)))
    assert wide_border.size[0] == small.size[0] + 2 * 4 * 2


def test_the_svg_is_an_svg_document_with_a_path_of_qr_modules():
    svg = qr_svg(SHORT_URL)
    root = parse_svg(svg)
    assert root.tag == f"{SVG_NS}svg"
    # 21x21 is the smallest symbol; a third of its modules at least are dark (finder patterns alone are 3x33).
    assert len(svg_modules(svg, box_size=10)) > 99


@pytest.mark.parametrize("url", URLS, ids=["short", "long-with-query-and-chinese"])
def test_the_svg_draws_the_same_modules_as_the_png_and_decodes_to_the_exact_url(url):
    expected, side = png_modules(qr_png(url, box_size=1, border=4))
    for box_size in (10, 7):
        modules = svg_modules(qr_svg(url, box_size=box_size, border=4), box_size=box_size)
        assert modules == expected
    codes = decode(rasterise(modules, side))
    assert [code.text for code in codes] == [url]


def test_the_svg_paints_a_white_background_under_the_code():
    root = parse_svg(qr_svg(SHORT_URL))
    background = root.find(f"{SVG_NS}rect")
    assert background is not None
    assert background.get("fill") == "white"
    assert (background.get("width"), background.get("height")) == ("100%", "100%")


@pytest.mark.parametrize("make", [qr_png, qr_svg])
def test_an_empty_or_oversized_url_is_refused(make):
    with pytest.raises(ValueError):
        make("")
    with pytest.raises(ValueError, match="too long"):
        make("https://distro.example.cn/" + "a" * 4000)
