import io

from PIL import Image

from distro.demo import PRODUCTS
from distro.demo_images import CATEGORY_COLOURS, draw_demo_image


def test_every_demo_product_gets_a_picture_in_its_category_colour():
    for _, title, category, *_ in PRODUCTS[:8]:
        picture = Image.open(io.BytesIO(draw_demo_image(title, category)))
        assert picture.format == "PNG" and picture.size == (800, 800)
        assert picture.convert("RGB").getpixel((4, 4)) == CATEGORY_COLOURS[category]


def test_demo_pictures_differ_by_title_and_are_the_same_each_time():
    assert draw_demo_image("普洱茶 357g", "food_health") == draw_demo_image("普洱茶 357g", "food_health")
    assert draw_demo_image("普洱茶 357g", "food_health") != draw_demo_image("大米 5kg", "food_health")
