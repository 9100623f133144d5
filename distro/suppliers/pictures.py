"""Product pictures a supplier uploads: verified by Pillow, re-encoded, kept by distro as its own images
(VAR_DIR/images, served at /images/<name>) and named by their content."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageOps

from distro.errors import ValidationFailed
from distro.share.images import ImageUnavailable, verified_image, write_atomically
from distro.urls import LOCAL_IMAGE_PATH
from distro.validation import FieldError

PICTURE_MAX_BYTES = 10 * 1024 * 1024
"""The largest picture file taken."""
PICTURES_PER_PRODUCT = 9
"""A product's pictures at most (the API's limit on image_urls)."""
PICTURE_MAX_SIDE = 1600
"""Pictures are kept at most this many pixels a side: sharp on a phone, light on WeChat's network."""


def product_picture(data: bytes) -> bytes:
    """The upload as distro keeps it: verified (PNG, JPEG or WebP), turned upright, at most PICTURE_MAX_SIDE a side,
    a JPEG without the upload's metadata (a phone photo's location stays behind); ImageUnavailable otherwise."""
    verified_image(data)
    with Image.open(io.BytesIO(data)) as picture:
        upright = ImageOps.exif_transpose(picture).convert("RGB")
    upright.thumbnail((PICTURE_MAX_SIDE, PICTURE_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()


def store_pictures(uploads: Sequence[bytes], *, kept: Sequence[str], images_dir: Path) -> list[str]:
    """The product's picture URLs: those kept, then each upload's, stored under images_dir. ValidationFailed (field
    image_urls) naming a file that is too large or not a picture, or too many pictures; then nothing is stored."""
    failures = []
    if len(kept) + len(uploads) > PICTURES_PER_PRODUCT:
        failures.append(FieldError("image_urls", f"at most {PICTURES_PER_PRODUCT} pictures", "too_many"))
    pictures = []
    for data in uploads:
        if len(data) > PICTURE_MAX_BYTES:
            failures.append(FieldError("image_urls", f"at most {PICTURE_MAX_BYTES // (1024 * 1024)} MB", "size"))
            continue
        try:
            pictures.append(product_picture(data))
        except ImageUnavailable:
            failures.append(FieldError("image_urls", "must be a PNG, JPEG or WebP picture", "image"))
    if failures:
        raise ValidationFailed("A picture was refused.", failures)
    urls = list(kept)
    for picture in pictures:
        # Named by content: the same picture uploaded twice is kept once, and a new one gets a new address.
        name = f"product-{hashlib.sha256(picture).hexdigest()[:24]}.jpg"
        write_atomically(images_dir / name, picture)
        urls.append(LOCAL_IMAGE_PATH + name)
    return urls
