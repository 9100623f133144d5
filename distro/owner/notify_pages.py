"""活动通知 on 我的: whether and where the owner is told of campaigns outside the app (WeChat subscribe message,
SMS, or not at all).

The inbox (消息) shows every campaign to every owner whatever they choose here, as 云集's and 淘小铺's message
centres show their activity notices to every shopkeeper: it is the app's own page, read when the owner opens it.
A message outside the app is advertising sent to the owner, which needs their consent (广告法 §43; WeChat sends a
subscribe message only to a user who accepted it), so no owner gets one until they choose a channel here.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.access import public
from distro.broadcasts import services
from distro.broadcasts.rules import CHANNELS
from distro.console.access import CONSOLE_ROLES
from distro.db import get_session
from distro.i18n import LANGUAGES
from distro.owner.blueprint import bp
from distro.pages import form_messages, parse_form

CHANNEL_NAMES = {"wechat": _l("微信订阅消息"), "sms": _l("短信"), "none": _l("不接收，只在「消息」里看")}
"""The choices as the page names them, in the order it lists them."""
REFUSALS = {"phone": _l("短信通知需要先验证手机号"), "unknown": _l("请选择通知方式")}
"""The service's refusals in the page's words, by rule."""


class NotifyForm(Schema):
    """The owner's choice of outside channel for campaign notices."""

    class Meta:
        unknown = EXCLUDE

    channel = fields.String(
        required=True,
        validate=validate.OneOf(CHANNELS, error=_l("请选择通知方式")),
        error_messages={"required": _l("请选择通知方式")},
    )


NOTIFY_FORM = NotifyForm()


def me_page(
    errors: dict[str, list[str]] | None = None, chosen: str | None = None, status: int = 200
) -> tuple[str, int]:
    """我的 with the account, its pages, the notice choice (chosen, or the one kept), the language and signing out."""
    kept = services.notify_choice(get_session(), current_user.user_id)
    body = render_template(
        "owner/me.html",
        account=current_user.account,
        languages=LANGUAGES,
        channels=CHANNEL_NAMES,
        channel=chosen or kept,
        kept=kept,
        notify_errors=errors or {},
        saved=request.args.get("saved") == "1",
        works_in_console=any(role in CONSOLE_ROLES for role in current_user.account.roles),
    )
    return body, status


@bp.post("/my/notify")
@public  # to the API's check: the page session, not a bearer token, guards it
@login_required
def choose_notify() -> BaseResponse | tuple[str, int]:
    """Keep the owner's choice of channel for campaign notices and go back to 我的; a refusal is said on the field."""
    try:
        channel = parse_form(NOTIFY_FORM)["channel"]
        services.choose_channel(session=get_session(), owner_id=current_user.user_id, channel=channel)
    except ValidationError as refused:
        return me_page(form_messages(refused), request.form.get("channel"), 422)
    except services.ChoiceRefused as refused:
        return me_page({"channel": [str(REFUSALS[refused.rule])]}, request.form.get("channel"), 422)
    response: BaseResponse = redirect(url_for("owner.me", saved=1, _anchor="notify"), 303)
    return response
