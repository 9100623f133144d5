"""Share links: the public redirect, QR codes and posters; the owners' API for links and share kits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, request, send_file

from distro.api import API_PREFIX, Blueprint, SelectPage
from distro.auth.access import current_user_id, public, requires
from distro.auth.models import Role
from distro.clock import BUSINESS_TZ
from distro.db import get_replica_session, get_session
from distro.errors import NotFound
from distro.openapi import BINARY
from distro.share import services, sharing
from distro.share.images import image_source
from distro.share.qr import qr_png, qr_svg
from distro.share.redirect import UNRESOLVED
from distro.share.schemas import (
    KitSchema,
    LinkCreateSchema,
    LinkSchema,
    PeriodSchema,
    ReportSchema,
    public_base_url,
    share_url,
)

public_bp = FlaskBlueprint("share", __name__)
images_blp = Blueprint("share_images", __name__, description="Share links' QR codes and posters (public, for buyers)")
blp = Blueprint("share_links", __name__, url_prefix=API_PREFIX, description="Share links and share kits")


@public_bp.route("/s/<code>", methods=["GET", "HEAD"])
@public
def unknown_link(code: str) -> Response:
    """A share code that leads nowhere: what the share redirect, answered in front of Flask
    (distro.share.redirect), hands on when the code is unknown, or when PostgreSQL did
    not answer and no cache knew the code (its error is raised again, for the buyers' 503 page)."""
    unresolved = request.environ.get(UNRESOLVED)
    if unresolved is not None:
        raise unresolved
    raise NotFound("This share link does not exist.")


def _image(content_type: str, what: str):
    """Document an image a share link's code names: the image, or the buyers' page saying there is no such link."""

    def decorate(view):
        view = images_blp.response(200, BINARY, content_type=content_type, description=what)(view)
        view = images_blp.page_error(404, "No such share link, or its shop is closed.")(view)
        return images_blp.page_error(503, "The database is out of reach (Retry-After).")(view)

    return decorate


@images_blp.route("/s/<code>/qr.png", methods=["GET"])
@public
@_image("image/png", "The QR code, as PNG.")
def qr_code_png(code: str) -> Response:
    """The link's QR code as PNG (error correction fit for print)."""
    services.link_by_code(get_session(), code)
    return Response(qr_png(share_url(code)), mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


@images_blp.route("/s/<code>/qr.svg", methods=["GET"])
@public
@_image("image/svg+xml", "The QR code, as SVG.")
def qr_code_svg(code: str) -> Response:
    """The link's QR code as SVG."""
    services.link_by_code(get_session(), code)
    return Response(
        qr_svg(share_url(code)), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@images_blp.route("/s/<code>/poster.png", methods=["GET"])
@public
@_image("image/png", "The poster, as PNG (1080×1920).")
def poster(code: str) -> Response:
    """A 1080×1920 poster for WeChat Moments; rendered once per content (a price or picture change renders anew)."""
    card = services.poster_card(
        get_session(),
        code,
        share_url=share_url(code),
        images=image_source(current_app.config),
    )
    path = services.poster_file(card, Path(current_app.config["VAR_DIR"]) / "posters")
    # Saved under a name that says what it is, not the cache's content hash.
    return send_file(path, mimetype="image/png", max_age=3600, download_name=f"poster-{code}.png")


@blp.route("/shops/<int:shop_id>/share-links", methods=["POST"])
@requires(Role.SHOP_OWNER)
@blp.arguments(LinkCreateSchema)
@blp.response(201, LinkSchema)
def create_link(data: dict, shop_id: int):
    """Create a short share link for the shop or one of its products, for one channel."""
    link = services.create_link(session=get_session(), owner_id=current_user_id(), shop_id=shop_id, **data)
    return {**link.model_dump(), "clicks": 0, "unique_clicks": 0}


@blp.route("/shops/<int:shop_id>/share-links", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, LinkSchema(many=True))
@blp.paginate(SelectPage)
def list_links(shop_id: int):
    """The shop's links with their clicks (total and unique), newest first."""
    return services.links_query(get_session(), current_user_id(), shop_id)


@blp.route("/share-links/<int:link_id>/kit", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.response(200, KitSchema)
def kit(link_id: int):
    """Everything a client needs to share the link: WeChat data, Weibo intent, copy text, poster and QR URLs."""
    return sharing.own_kit(
        session=get_session(), owner_id=current_user_id(), link_id=link_id, base_url=public_base_url()
    ).kit


def _period(args: dict) -> tuple[dt.date, dt.date]:
    today = dt.datetime.now(BUSINESS_TZ).date()
    end = args.get("end") or today
    start = args.get("start") or end - dt.timedelta(days=29)
    if start > end:
        from distro.errors import FieldError, ValidationFailed

        raise ValidationFailed("The period is empty.", [FieldError("from", "must not be after to", "range")])
    return start, end


def _report(scope: str, scope_id: int, args: dict) -> dict:
    from distro.share.analytics import report

    start, end = _period(args)
    result = report(get_replica_session(), scope=scope, scope_id=scope_id, start=start, end=end)
    return {**result, "start": result.pop("from"), "end": result.pop("to")}


@blp.route("/analytics/shops/<int:shop_id>", methods=["GET"])
@requires(Role.SHOP_OWNER)
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, ReportSchema)
def shop_analytics(args: dict, shop_id: int):
    """Clicks (total, unique), orders, GMV and conversion of the caller's shop by channel, day and product."""
    from distro.shops.services import get_own_shop

    get_own_shop(get_session(), current_user_id(), shop_id)
    return _report("shop", shop_id, args)


@blp.route("/analytics/supplier", methods=["GET"])
@requires(Role.SUPPLIER)
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, ReportSchema)
def supplier_analytics(args: dict):
    """The same figures for the caller's products across every shop."""
    from distro.suppliers.services import require_reading_supplier

    supplier = require_reading_supplier(get_session(), current_user_id())
    return _report("supplier", supplier.id, args)  # type: ignore[arg-type]
