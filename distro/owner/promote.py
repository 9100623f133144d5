"""推广 (promote): the owner picks the shop or one of its products and a channel, and gets what to share there: the
poster full screen (long-press to save, or download), the copy text with 一键复制, the QR code, the short link, and
what to do on each channel (the share sheet). Inside WeChat the page also carries the signed wx.config and the
card's share data for the JS-SDK (distro/share/wechat_sdk.py).

Links are the share API's (distro.share.sharing: one link per thing and channel, reused), and so is the kit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.db import get_session
from distro.errors import NotFound, ValidationFailed
from distro.owner.blueprint import bp
from distro.pages import parse_form
from distro.share import sharing
from distro.share.resolver import cache_redis
from distro.share.schemas import public_base_url
from distro.share.wechat_sdk import WechatSdk, wechat_sdk

PER_PAGE = 20
"""Products listed per page of 推广."""
ID = validate.Range(min=1, max=2**63 - 1)


@dataclass(frozen=True)
class Channel:
    """A channel an owner shares on (a channel of distro.share.models.CHANNELS), and what to do there."""

    code: str
    label: LazyString
    steps: tuple[LazyString, ...]


COPY = _l("点「一键复制」复制文案。")
SAVE = _l("长按海报，选择「保存图片」（或点「下载海报」）。")
CHANNELS = (
    Channel(
        "wechat_chat",
        _l("微信好友"),
        (COPY, _l("打开微信，选择好友或群聊，粘贴文案发送；也可以把保存的海报作为图片一起发。")),
    ),
    Channel(
        "wechat_moments",
        _l("朋友圈"),
        (SAVE, COPY, _l("发朋友圈时选择海报图片，并粘贴文案。好友长按海报上的二维码即可购买。")),
    ),
    Channel(
        "weibo",
        _l("微博"),
        (COPY, _l("点「打开微博分享」，链接、标题和图片已填好；或在微博发帖时粘贴文案，并附上保存的海报。")),
    ),
    Channel(
        "xiaohongshu",
        _l("小红书"),
        (SAVE, COPY, _l("发笔记时选择海报图片，把文案粘贴到正文。笔记里的链接点不开，买家扫海报上的二维码购买。")),
    ),
)
CHANNEL_BY_CODE = {channel.code: channel for channel in CHANNELS}
PICK_CHANNEL = _l("请选择发到哪里")


class PromoteQuerySchema(Schema):
    """The 推广 page's address: which shop, which page of its products, and a product chosen beforehand."""

    class Meta:
        unknown = EXCLUDE

    shop = fields.Integer(load_default=None, validate=ID)
    product = fields.Integer(load_default=None, validate=ID)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class LinkFormSchema(Schema):
    """What to share and where: a product of the shop (blank: the whole shop) and a channel."""

    class Meta:
        unknown = EXCLUDE

    shop = fields.Integer(required=True, validate=ID, error_messages={"required": _l("请选择店铺")})
    product = fields.Integer(load_default=None, allow_none=True, validate=ID)
    channel = fields.String(
        required=True,
        validate=validate.OneOf(list(CHANNEL_BY_CODE), error=PICK_CHANNEL),
        error_messages={"required": PICK_CHANNEL},
    )

    @pre_load
    def _blank_product_is_the_shop(self, data: dict, **_: object) -> dict:
        return {**data, "product": data.get("product") or None}


PROMOTE_QUERY = PromoteQuerySchema()
LINK_FORM = LinkFormSchema()


def _wechat_sdk() -> WechatSdk:
    """The app's WeChat JS-SDK signer, made once per app (it holds a Redis client for the official account's)."""
    sdk = current_app.extensions.get("distro.wechat_sdk")
    if sdk is None:
        sdk = current_app.extensions["distro.wechat_sdk"] = wechat_sdk(current_app.config, cache_redis)
    return sdk


def _messages(error: ValidationError) -> dict[str, list[str]]:
    """A refused form's messages by field, each a list of text (marshmallow keeps a lazy message as it is)."""
    return {
        str(field): [str(message) for message in (messages if isinstance(messages, list) else [messages])]
        for field, messages in error.normalized_messages().items()
    }


def _choose(shop_id: int | None, page: int, form: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    chosen = sharing.choices(
        session=get_session(), owner_id=current_user.user_id, shop_id=shop_id, page=page, per_page=PER_PAGE
    )
    return render_template(
        "owner/promote/choose.html", chosen=chosen, page=page, form=form, errors=errors, channels=CHANNELS
    ), status


@bp.get("/my/promote")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def promote() -> tuple[str, int]:
    """推广: choose the shop or a product of it, and a channel."""
    try:
        query = PROMOTE_QUERY.load(request.args)
    except ValidationError:
        raise NotFound("No such page of 推广.") from None
    return _choose(query["shop"], query["page"], {"product": query["product"]}, {})


@bp.post("/my/promote/links")
@public
@login_required
def promote_link() -> BaseResponse | tuple[str, int]:
    """The link for what was chosen on that channel (the one made before, else a new one), then its materials."""
    try:
        form = parse_form(LINK_FORM)
    except ValidationError as error:
        shop = request.form.get("shop", "")
        if not shop.isdigit():
            raise NotFound("No shop was chosen.") from None
        return _choose(int(shop), 1, request.form.to_dict(), _messages(error), 422)
    try:
        link = sharing.link_to_share(
            session=get_session(),
            owner_id=current_user.user_id,
            shop_id=form["shop"],
            product_id=form["product"],
            channel=form["channel"],
        )
    except ValidationFailed:  # a product the shop does not carry: as unknown to this owner as another's shop
        raise NotFound("No such product in this shop.") from None
    return redirect(url_for("owner.promote_kit", link_id=link.id), 303)


def _own_kit(link_id: int) -> sharing.LinkKit:
    return sharing.own_kit(
        session=get_session(), owner_id=current_user.user_id, link_id=link_id, base_url=public_base_url()
    )


@bp.get("/my/promote/links/<int:link_id>")
@public
@login_required
def promote_kit(link_id: int) -> str:
    """A link's materials: the poster, the copy text, the QR code, the short link, what to do on each channel; and
    inside WeChat the signed wx.config with the card's share data."""
    found = _own_kit(link_id)
    # The SDK signs the page's own address, on PUBLIC_BASE_URL as the official account lists it (never the Host).
    query = request.query_string.decode("ascii", "replace")
    page_url = public_base_url() + request.path + (f"?{query}" if query else "")
    return render_template(
        "owner/promote/kit.html",
        found=found,
        channel=CHANNEL_BY_CODE.get(found.link.channel),
        channels=CHANNELS,
        wx=_wechat_sdk().config(page_url),
    )


@bp.get("/my/promote/links/<int:link_id>/poster")
@public
@login_required
def full_poster(link_id: int) -> str:
    """The link's poster full screen: long-press to save it (as owners do in WeChat), or download it."""
    return render_template("owner/promote/poster.html", found=_own_kit(link_id))
