import io
from dataclasses import replace
from urllib.parse import quote

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageFont

from distro.share import poster
from distro.share.poster import (
    HEIGHT,
    IMAGE_BOX,
    PLACEHOLDER_COLOUR,
    TITLE_BOX,
    WIDTH,
    PosterCard,
    cjk_font_path,
    poster_cache_key,
    render_poster,
)

SHARE_URL = f"https://distro.example.cn/s/Ab3dE9xZ/{quote('普洱')}?src=moments&utm_campaign={quote('春茶')}"
PRODUCT_COLOUR = (20, 110, 200)


def solid_jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=95)
    return out.getvalue()


CARD = PosterCard(
    title="云南高山古树普洱茶七子饼，口感醇厚回甘持久",
    price_fen=1234,
    shop_name="阿兰的小茶铺",
    reason="我家每天都在喝这款，汤色透亮，回甘很快，推荐给喜欢喝茶的你。",
    share_url=SHARE_URL,
    images=(solid_jpeg(PRODUCT_COLOUR),),
)


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def dark_pixels(image: Image.Image, threshold: int = 128) -> int:
    histogram = image.convert("L").histogram()
    return sum(histogram[:threshold])


@pytest.fixture(scope="module")
def rendered() -> Image.Image:
    return image_of(render_poster(CARD))


@pytest.fixture(scope="module")
def placeholder() -> Image.Image:
    return image_of(render_poster(replace(CARD, images=())))


def test_the_poster_is_a_1080_by_1920_png(rendered):
    assert (WIDTH, HEIGHT) == (1080, 1920)
    assert rendered.format == "PNG"
    assert rendered.size == (1080, 1920)


def test_the_qr_code_on_the_poster_decodes_to_the_exact_share_url(rendered):
    codes = [code for code in zxingcpp.read_barcodes(rendered) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert [code.text for code in codes] == [SHARE_URL]


def test_the_font_file_is_shipped_by_the_installed_font_package():
    path = cjk_font_path()
    assert path.is_file()
    assert path.suffix.lower() in {".otf", ".ttf", ".ttc"}
    assert "pylopdf_fonts_zh_cn" in path.parts


def test_the_font_has_distinct_glyphs_for_chinese_characters_where_a_latin_font_draws_tofu():
    cjk = ImageFont.truetype(str(cjk_font_path()), 48)
    zhang, gui = cjk.getmask("掌"), cjk.getmask("柜")
    assert zhang.getbbox() is not None
    assert gui.getbbox() is not None
    assert bytes(zhang) != bytes(gui)
    assert cjk.getmask("掌柜").getbbox() is not None
    # The check can fail: Pillow's own font has no CJK glyphs and draws both as the same box.
    latin = ImageFont.load_default(size=48)
    assert bytes(latin.getmask("掌")) == bytes(latin.getmask("柜"))


def test_the_title_area_is_not_blank(rendered):
    # The first title line only (the price moves up under a short title), in near-black ink (not the red price).
    first_line = (TITLE_BOX[0], TITLE_BOX[1], TITLE_BOX[2], TITLE_BOX[1] + poster.TITLE_LINE)
    assert dark_pixels(rendered.crop(first_line), threshold=80) > 2_000


def test_changing_one_chinese_character_changes_the_drawn_title():
    # With a font lacking CJK glyphs both titles would be the same row of tofu boxes.
    first = image_of(render_poster(replace(CARD, title="掌柜推荐好物")))
    second = image_of(render_poster(replace(CARD, title="掌柜推荐好货")))
    assert ImageChops.difference(first.crop(TITLE_BOX), second.crop(TITLE_BOX)).getbbox() is not None
    assert ImageChops.difference(first.crop(IMAGE_BOX), second.crop(IMAGE_BOX)).getbbox() is None


def test_characters_the_font_lacks_are_left_out_rather_than_drawn_as_boxes():
    plain = image_of(render_poster(replace(CARD, title="掌柜推荐好物")))
    with_emoji = image_of(render_poster(replace(CARD, title="掌柜推荐🔥好物")))
    assert ImageChops.difference(plain.crop(TITLE_BOX), with_emoji.crop(TITLE_BOX)).getbbox() is None


def test_the_cache_key_is_equal_for_equal_cards():
    same = PosterCard(**{field: getattr(CARD, field) for field in CARD.__dataclass_fields__})
    assert same is not CARD
    assert poster_cache_key(same) == poster_cache_key(CARD)
    assert len(poster_cache_key(CARD)) == 64
    int(poster_cache_key(CARD), 16)


@pytest.mark.parametrize(
    "change",
    [
        {"price_fen": 1235},
        {"title": "云南高山古树普洱茶"},
        {"shop_name": "阿兰的小茶铺2"},
        {"reason": "好喝"},
        {"share_url": SHARE_URL + "&x=1"},
        {"images": (solid_jpeg((200, 20, 20)),)},
        {"images": ()},
        {"images": (b"",)},
        {"images": (solid_jpeg(PRODUCT_COLOUR), solid_jpeg(PRODUCT_COLOUR))},
        {"price_fen": None},
        {"tagline": "店主精选 5 件好物"},
    ],
    ids=[
        "price",
        "title",
        "shop",
        "reason",
        "url",
        "image",
        "no-image",
        "empty-image-bytes",
        "second-image",
        "no-price",
        "tagline",
    ],
)
def test_the_cache_key_changes_when_anything_drawn_changes(change):
    assert poster_cache_key(replace(CARD, **change)) != poster_cache_key(CARD)


def test_the_cache_key_changes_when_text_moves_from_one_field_to_the_next():
    left = replace(CARD, shop_name="阿兰", reason="的小茶铺")
    right = replace(CARD, shop_name="阿兰的", reason="小茶铺")
    assert poster_cache_key(left) != poster_cache_key(right)


def test_the_cache_key_changes_with_the_layout_version(monkeypatch):
    before = poster_cache_key(CARD)
    monkeypatch.setattr(poster, "LAYOUT_VERSION", poster.LAYOUT_VERSION + 1)
    assert poster_cache_key(CARD) != before


def test_the_product_image_fills_the_image_area(rendered):
    area = rendered.convert("RGB").crop(IMAGE_BOX)
    colours = area.getcolors(maxcolors=area.size[0] * area.size[1])
    count, colour = max(colours)
    assert count > 0.99 * area.size[0] * area.size[1]
    assert all(abs(a - b) <= 3 for a, b in zip(colour, PRODUCT_COLOUR, strict=True))


def test_a_missing_product_image_draws_the_placeholder(placeholder):
    area = placeholder.convert("RGB").crop(IMAGE_BOX)
    width, height = area.size
    for corner in [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]:
        assert area.getpixel(corner) == PLACEHOLDER_COLOUR
    count, colour = max(area.getcolors(maxcolors=width * height))
    assert colour == PLACEHOLDER_COLOUR
    assert count > 0.95 * width * height
    # ... with its caption drawn in the middle.
    middle = area.crop((width // 4, height // 3, 3 * width // 4, 2 * height // 3))
    assert ImageChops.difference(middle, Image.new("RGB", middle.size, PLACEHOLDER_COLOUR)).getbbox() is not None


def test_the_same_card_always_gives_identical_bytes():
    assert render_poster(CARD) == render_poster(CARD)


def test_an_unreadable_product_image_is_refused():
    with pytest.raises(ValueError, match="PNG, JPEG, WEBP"):
        render_poster(replace(CARD, images=(b"definitely not an image",)))


def test_a_png_product_with_transparency_is_drawn_over_white():
    out = io.BytesIO()
    Image.new("RGBA", (400, 400), (255, 0, 0, 0)).save(out, format="PNG")
    image = image_of(render_poster(replace(CARD, images=(out.getvalue(),)))).convert("RGB")
    assert image.getpixel((WIDTH // 2, (IMAGE_BOX[1] + IMAGE_BOX[3]) // 2)) == (255, 255, 255)


def test_a_webp_product_image_is_drawn_like_any_other():
    out = io.BytesIO()
    Image.new("RGB", (800, 600), PRODUCT_COLOUR).save(out, format="WEBP")
    image = image_of(render_poster(replace(CARD, images=(out.getvalue(),)))).convert("RGB")
    middle = image.getpixel((WIDTH // 2, (IMAGE_BOX[1] + IMAGE_BOX[3]) // 2))
    assert all(abs(a - b) <= 3 for a, b in zip(middle, PRODUCT_COLOUR, strict=True))


def test_a_negative_price_is_refused():
    with pytest.raises(ValueError):
        replace(CARD, price_fen=-1)


def test_a_long_title_is_cut_to_three_lines_ending_in_an_ellipsis():
    font = poster._font(poster.TITLE_SIZE)
    width = TITLE_BOX[2] - TITLE_BOX[0]
    title = "云南高山古树普洱茶，" * 20
    lines = poster._wrap(title, font, width, 3)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= width + font.size for line in lines)  # hanging punctuation may overhang
    assert title.startswith("".join(lines)[:-1])


def test_a_latin_word_is_not_split_when_it_fits_on_the_next_line():
    font = poster._font(poster.REASON_SIZE)
    lines = poster._wrap("好" * 14 + " Pu-erh", font, 15 * poster.REASON_SIZE, 4)
    assert lines == ["好" * 14, "Pu-erh"]


def solid_png(colour: tuple[int, int, int], size: tuple[int, int] = (400, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return (box[0] + box[2]) // 2, (box[1] + box[3]) // 2


def test_one_image_fills_the_area_and_more_images_share_it_without_overlapping():
    assert poster.image_cells(1) == [IMAGE_BOX]
    for count in (2, 3, 4):
        cells = poster.image_cells(count)
        assert len(cells) == count
        for left, top, right, bottom in cells:
            assert IMAGE_BOX[0] <= left < right <= IMAGE_BOX[2] and IMAGE_BOX[1] <= top < bottom <= IMAGE_BOX[3]
        for index, first in enumerate(cells):
            for second in cells[index + 1 :]:
                overlap_x = min(first[2], second[2]) - max(first[0], second[0])
                overlap_y = min(first[3], second[3]) - max(first[1], second[1])
                assert overlap_x <= 0 or overlap_y <= 0
    # A third picture spans the bottom row rather than leaving a hole.
    assert poster.image_cells(3)[2][0::2] == (IMAGE_BOX[0], IMAGE_BOX[2])


@pytest.mark.parametrize("count", [0, 5])
def test_there_are_no_cells_for_no_images_or_too_many(count):
    with pytest.raises(ValueError):
        poster.image_cells(count)


def test_a_shop_poster_draws_each_pick_in_its_own_cell():
    colours = [(200, 30, 30), (30, 160, 60), (30, 60, 200), (230, 180, 20)]
    image = image_of(render_poster(replace(CARD, images=tuple(solid_png(colour) for colour in colours)))).convert("RGB")
    for colour, cell in zip(colours, poster.image_cells(4), strict=True):
        assert all(abs(a - b) <= 3 for a, b in zip(image.getpixel(centre(cell)), colour, strict=True))


def test_a_poster_without_a_price_draws_its_tagline_where_the_price_was():
    short = replace(CARD, title="小美好物")
    price_top = TITLE_BOX[1] + poster.TITLE_LINE + 20
    price_area = (poster.MARGIN, price_top, WIDTH - poster.MARGIN, poster.DIVIDER_Y - 4)
    blank = image_of(render_poster(replace(short, price_fen=None))).convert("RGB").crop(price_area)
    assert blank.getcolors() == [(blank.size[0] * blank.size[1], poster.BACKGROUND)]
    tagline = image_of(render_poster(replace(short, price_fen=None, tagline="店主精选 5 件好物"))).convert("RGB")
    priced = image_of(render_poster(short)).convert("RGB")
    assert ImageChops.difference(tagline.crop(price_area), blank).getbbox() is not None
    assert ImageChops.difference(tagline.crop(price_area), priced.crop(price_area)).getbbox() is not None


@pytest.mark.parametrize(
    "images", [solid_png((1, 2, 3)), (solid_png((1, 2, 3)),) * 5, [solid_png((1, 2, 3))]], ids=["bytes", "five", "list"]
)
def test_images_must_be_a_tuple_of_at_most_four_byte_strings(images):
    with pytest.raises(ValueError):
        replace(CARD, images=images)
