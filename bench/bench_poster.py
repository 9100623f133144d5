"""Poster render time, cold and cached: medians through the endpoint beside a bare Pillow render and send_file."""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, send_file
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bench.harness import Row, bench_redis_url, in_child, with_peak
from distro.app import create_app
from distro.db import session_scope
from distro.demo import load_demo_data
from distro.share.models import ShareLink
from distro.share.poster import cjk_font_path
from distro.share.qr import qr_png

COLD_ROUNDS = 25
CACHED_ROUNDS = 400


def median_ms(action: Callable[[], object], rounds: int, before: Callable[[], object] = lambda: None) -> float:
    """The median wall-clock milliseconds of action over rounds, running before (untimed) ahead of each."""
    samples = []
    for _ in range(rounds):
        before()
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bare_poster(picture: Path, lines: list[tuple[str, int]], url: str) -> bytes:
    """The poster's work with nothing of distro's: a 1080×1920 canvas, the picture fitted and pasted, the same
    CJK text lines, a QR code, saved as PNG."""
    canvas = Image.new("RGB", (1080, 1920), (255, 255, 255))
    with Image.open(picture) as image:
        canvas.paste(ImageOps.fit(image.convert("RGB"), (1080, 1000), Image.Resampling.LANCZOS), (0, 0))
    draw = ImageDraw.Draw(canvas)
    top = 1040
    for text, size in lines:
        draw.text((64, top), text, font=_font(size), fill=(34, 34, 34))
        top += size + 24
    with Image.open(io.BytesIO(qr_png(url, box_size=1, border=4))) as code:
        scale = 320 // code.size[0]
        qr = code.convert("L").resize((code.size[0] * scale, code.size[1] * scale), Image.Resampling.NEAREST)
    canvas.paste(qr.convert("RGB"), (696, 1460))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()


_fonts: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Loaded once per size, as the renderer does: the bare render pays for drawing, not for opening the font.
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(str(cjk_font_path()), size, layout_engine=ImageFont.Layout.BASIC)
    return _fonts[size]


def distro_posters(url: str, var_dir: str, code: str) -> tuple[float, float, bytes]:
    """The endpoint's median cold and cached milliseconds and its PNG, in a process of its own (in_child), as a web
    process renders posters: its peak memory is then the renders', not the demo load's or the bare baseline's fonts."""
    app = create_app({"DATABASE_URL": url, "REDIS_URL": bench_redis_url(), "VAR_DIR": var_dir})
    client = app.test_client()
    path = f"/s/{code}/poster.png"
    posters = Path(var_dir) / "posters"

    def get_poster() -> bytes:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data()

    def forget_posters() -> None:
        for poster in posters.glob("*.png"):
            poster.unlink()

    png = get_poster()  # warms fonts, glyphs and the database connection, as any running server is
    cold = median_ms(get_poster, COLD_ROUNDS, before=forget_posters)
    get_poster()
    cached = median_ms(get_poster, CACHED_ROUNDS)
    return cold, cached, png


def run(url: str) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="distro-bench-poster-") as var_dir:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": bench_redis_url(), "VAR_DIR": var_dir})
        with session_scope(url) as session:
            load_demo_data(session=session, settings=app.config)
            code = session.scalar(
                sa.select(ShareLink.code).where(ShareLink.product_id.is_not(None)).order_by(ShareLink.id).limit(1)  # type: ignore[union-attr]
            )
        (cold, cached, png), peak = in_child(distro_posters, url, var_dir, code)

        # The same texts the poster draws (title, price, shop, label, reason, hint) at the same sizes.
        lines = [
            ("玻尿酸补水面膜 10片", 54),
            ("¥59.00", 88),
            ("小美好物的小铺", 42),
            ("掌柜推荐", 30),
            ("我自己天天用的面膜，补水效果真的好，敷完第二天上妆很服帖", 34),
            ("长按识别二维码购买", 28),
        ]
        picture = Path(var_dir) / "images" / "demo-05.png"
        share_url = f"{app.config['PUBLIC_BASE_URL']}/s/{code}"
        bare_poster(picture, lines, share_url)
        bare_cold = median_ms(lambda: bare_poster(picture, lines, share_url), COLD_ROUNDS)

        cached_file = next((Path(var_dir) / "posters").glob("*.png"))
        bare = Flask("bare_poster")
        bare.add_url_rule("/poster.png", "poster", lambda: send_file(cached_file, mimetype="image/png", max_age=3600))
        bare_client = bare.test_client()
        assert bare_client.get("/poster.png").get_data() == png
        bare_cached = median_ms(lambda: bare_client.get("/poster.png").get_data(), CACHED_ROUNDS)
    return with_peak(
        [
            Row(
                "poster cold render (median, no cached file)",
                cold,
                "ms",
                bare_cold,
                "bare Pillow: same canvas, picture, CJK lines, QR, PNG",
            ),
            Row(
                "poster cached (median, answered from the file)",
                cached,
                "ms",
                bare_cached,
                "bare Flask app: send_file of the same PNG",
            ),
        ],
        peak,
    )
