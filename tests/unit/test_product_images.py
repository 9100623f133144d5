import io
from pathlib import Path

import pytest
from PIL import Image, features

from distro.settings import ConfigurationError, load_settings
from distro.share.images import (
    HttpImageSource,
    ImageUnavailable,
    LocalImageSource,
    image_source,
    verified_image,
)

BASE = "https://shop.example.cn"


def encoded(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


def test_the_installed_pillow_decodes_webp():
    assert features.check("webp")


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_a_whole_png_jpeg_or_webp_is_accepted_as_it_is(format):
    data = encoded(Image.new("RGB", (64, 48), (10, 20, 30)), format)
    assert verified_image(data) == data


def noise(size: tuple[int, int]) -> Image.Image:
    """A picture that compresses badly, so cutting its file short loses pixels rather than padding."""
    return Image.frombytes("RGB", size, bytes(range(256)) * (size[0] * size[1] * 3 // 256))


@pytest.mark.parametrize(
    "data",
    [
        b"<html>not an image</html>",
        encoded(Image.new("RGB", (64, 48)), "GIF"),
        encoded(Image.new("RGB", (640, 480), (10, 200, 30)), "JPEG")[:-2000],
        encoded(Image.new("RGB", (640, 480), (10, 200, 30)), "PNG")[:-40],
        encoded(noise((640, 480)), "WEBP")[:-2000],
        b"",
    ],
    ids=["html", "gif", "truncated-jpeg", "truncated-png", "truncated-webp", "empty"],
)
def test_anything_but_a_whole_png_jpeg_or_webp_is_unavailable(data):
    with pytest.raises(ImageUnavailable):
        verified_image(data)


def test_an_image_of_too_many_pixels_is_unavailable_before_it_is_decoded():
    with pytest.raises(ImageUnavailable, match="too large"):
        verified_image(encoded(Image.new("1", (6000, 5000)), "PNG"))


def test_the_local_source_serves_only_its_own_urls_from_its_directory(tmp_path: Path):
    data = encoded(Image.new("RGB", (32, 32), (200, 0, 0)), "PNG")
    (tmp_path / "demo-01.png").write_bytes(data)
    source = LocalImageSource(BASE + "/", tmp_path)
    assert source.fetch(f"{BASE}/images/demo-01.png") == data
    for url in [
        f"{BASE}/images/demo-02.png",  # not there
        f"{BASE}/images/../secret.png",
        f"{BASE}/images/.hidden.png",
        f"{BASE}/images/demo-01.gif",
        "https://cdn.example.cn/images/demo-01.png",
        f"{BASE}/other/demo-01.png",
    ]:
        with pytest.raises(ImageUnavailable):
            source.fetch(url)


def test_the_local_source_serves_its_images_by_their_stored_relative_url(tmp_path: Path):
    data = encoded(Image.new("RGB", (32, 32), (200, 0, 0)), "PNG")
    (tmp_path / "demo-01.png").write_bytes(data)
    source = LocalImageSource(BASE, tmp_path)
    assert source.fetch("/images/demo-01.png") == data
    with pytest.raises(ImageUnavailable):
        source.fetch("/images/../demo-01.png")


def test_the_http_source_refuses_urls_that_are_not_http(tmp_path: Path):
    source = HttpImageSource(tmp_path / "cache", LocalImageSource(BASE, tmp_path))
    for url in ["file:///etc/passwd", "ftp://cdn.example.cn/a.png", "not a url"]:
        with pytest.raises(ImageUnavailable):
            source.fetch(url)


def test_the_source_is_chosen_by_setting_and_an_unknown_one_is_refused(tmp_path: Path):
    assert isinstance(image_source(load_settings({"VAR_DIR": str(tmp_path)})), LocalImageSource)
    http = image_source(load_settings({"VAR_DIR": str(tmp_path), "PRODUCT_IMAGE_SOURCE": "http"}))
    assert isinstance(http, HttpImageSource) and http.cache_dir == tmp_path / "image-cache"
    with pytest.raises(ConfigurationError, match="PRODUCT_IMAGE_SOURCE"):
        load_settings({"PRODUCT_IMAGE_SOURCE": "carrier-pigeon"})
