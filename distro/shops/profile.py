"""A shop's profile as its owner presents it to buyers: the logo and the introduction (简介)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from sqlmodel import Session

from distro import audit
from distro.errors import ValidationFailed
from distro.share.images import ImageUnavailable, verified_image, write_atomically
from distro.shops.models import Shop
from distro.shops.services import get_own_shop
from distro.urls import LOCAL_IMAGE_PATH
from distro.validation import FieldError

INTRO_MAX_LENGTH = 200
"""Characters of a shop's introduction."""
LOGO_MAX_BYTES = 5 * 1024 * 1024
"""The largest logo file taken: a phone's photo, not a poster."""
LOGO_SIZE = 256
"""Logos are kept square, this many pixels a side, as PNG: small on the page whatever was uploaded."""


@dataclass(frozen=True)
class Logo:
    """An uploaded picture: its bytes as sent."""

    data: bytes


def logo_png(data: bytes) -> bytes:
    """The picture as the shop's logo: verified (PNG, JPEG or WebP), turned upright, cropped to a centred square
    of LOGO_SIZE pixels, as a PNG without the upload's metadata (a phone photo's location stays behind).
    ImageUnavailable when it is not a readable picture."""
    verified_image(data)
    with Image.open(io.BytesIO(data)) as picture:
        upright = ImageOps.exif_transpose(picture).convert("RGB")
    square = ImageOps.fit(upright, (LOGO_SIZE, LOGO_SIZE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()


def set_profile(
    *, session: Session, owner_id: int, shop_id: int, intro: str, logo: Logo | None, images_dir: Path
) -> Shop:
    """Set the introduction of the caller's shop, and its logo when one is sent (kept under images_dir, served at
    /images/<name>); commit. A refusal names the field: intro too long, logo too large or not a picture."""
    shop = get_own_shop(session, owner_id, shop_id, lock=True)
    intro = intro.strip()
    failures = []
    if len(intro) > INTRO_MAX_LENGTH:
        failures.append(FieldError("intro", f"must be at most {INTRO_MAX_LENGTH} characters", "length"))
    picture = None
    if logo is not None and len(logo.data) > LOGO_MAX_BYTES:
        failures.append(FieldError("logo", f"must be at most {LOGO_MAX_BYTES // (1024 * 1024)} MB", "size"))
    elif logo is not None:
        try:
            picture = logo_png(logo.data)
        except ImageUnavailable:
            failures.append(FieldError("logo", "must be a PNG, JPEG or WebP picture", "image"))
    if failures:
        raise ValidationFailed("The shop's profile was not changed.", failures)
    before = {"intro": shop.intro, "logo_url": shop.logo_url}
    shop.intro = intro
    if picture is not None:
        # Named by content: a new logo gets a new address, so no cache shows the old one.
        name = f"shop-{shop_id}-{hashlib.sha256(picture).hexdigest()[:16]}.png"
        write_atomically(images_dir / name, picture)
        shop.logo_url = LOCAL_IMAGE_PATH + name
    audit.record(
        session,
        actor_id=owner_id,
        action="shop.profile",
        subject_type="shop",
        subject_id=shop_id,
        before=before,
        after={"intro": shop.intro, "logo_url": shop.logo_url},
    )
    session.commit()
    return shop
