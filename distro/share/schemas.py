"""Request and response schemas of the share links, share kit and share analytics API."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from distro.api import fits_bigint
from distro.share.models import CHANNELS


def public_base_url() -> str:
    """The app's public address (PUBLIC_BASE_URL) without a trailing slash: share links live under it."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def share_url(code: str) -> str:
    """The short link with this code."""
    return f"{public_base_url()}/s/{code}"


class LinkCreateSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    product_id = fields.Integer(
        load_default=None,
        strict=True,
        validate=fits_bigint(1),
        metadata={"description": "Share one product of the shop (default: the shop)."},
    )


class LinkSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    channel = fields.String()
    product_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    clicks = fields.Integer()
    unique_clicks = fields.Integer()
    url = fields.Function(lambda link: share_url(link["code"] if isinstance(link, dict) else link.code))


class WechatShareSchema(Schema):
    title = fields.String()
    desc = fields.String()
    link = fields.String()
    imgUrl = fields.String()


class KitSchema(Schema):
    url = fields.String()
    wechat = fields.Nested(WechatShareSchema)
    weibo_intent_url = fields.String()
    copy_text = fields.String()
    poster_url = fields.String()
    qr_png_url = fields.String()
    qr_svg_url = fields.String()


class PeriodSchema(Schema):
    start = fields.Date(data_key="from", load_default=None, metadata={"description": "First day (Asia/Shanghai)."})
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "Last day, inclusive."})


class BreakdownRowSchema(Schema):
    channel = fields.String()
    day = fields.String()
    product = fields.Integer()
    clicks = fields.Integer()
    unique_clicks = fields.Integer()
    orders = fields.Integer()
    gmv_fen = fields.Integer()
    net_gmv_fen = fields.Integer()
    conversion_bp = fields.Integer(allow_none=True, metadata={"description": "Orders per unique click, in bp."})


class ReportSchema(Schema):
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    by_channel = fields.List(fields.Nested(BreakdownRowSchema))
    by_day = fields.List(fields.Nested(BreakdownRowSchema))
    by_product = fields.List(fields.Nested(BreakdownRowSchema))
