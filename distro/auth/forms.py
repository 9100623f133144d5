"""The sign-in, sign-up and password pages' forms: what each field takes, in the pages' words, and the pages' words
for the services' refusals (distro.pages.page_messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from distro.auth.passwords import MIN_PASSWORD_LENGTH
from distro.phones import normalise_phone

PHONE_MESSAGE = _l("请填写11位手机号")
PASSWORD_MESSAGE = _l("密码至少 %(count)s 位", count=MIN_PASSWORD_LENGTH)

REFUSALS = {
    "password.sign_in": _l("手机号或密码不正确"),
    "password.deactivated": _l("账号已停用，如有疑问请联系平台客服"),
    "phone.taken": _l("该手机号已注册，请直接登录"),
    "code.not_sent": _l("请先获取验证码"),
    "code.expired": _l("验证码已过期，请重新获取"),
    "code.attempts": _l("验证码错误次数过多，请重新获取"),
    "code.mismatch": _l("验证码不正确"),
    "password.length": PASSWORD_MESSAGE,
    "display_name.length": _l("请填写昵称（最多60字）"),
}
"""The services' refusals (field.rule) as the pages say them."""


def _mobile(value: str) -> None:
    if normalise_phone(value) is None:
        raise ValidationError(str(PHONE_MESSAGE))


class PhoneFormSchema(Schema):
    """Asking for a code: the phone only (a form's other fields, typed so far, are left aside)."""

    class Meta:
        unknown = EXCLUDE

    phone = fields.String(required=True, validate=_mobile, error_messages={"required": PHONE_MESSAGE})


class CodeFormSchema(PhoneFormSchema):
    """A phone, the code texted to it and a new password."""

    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^\s*[0-9]{6}\s*$", error=_l("请填写6位验证码")),
        error_messages={"required": _l("请填写6位验证码")},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=200, error=PASSWORD_MESSAGE),
        error_messages={"required": PASSWORD_MESSAGE},
    )

    @post_load
    def _normalised(self, data: dict, **_: object) -> dict:
        data["code"] = data["code"].strip()
        return data


class SignUpFormSchema(CodeFormSchema):
    """Signing up: the code form and the name the owner goes by, and where to go after."""

    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60, error=REFUSALS["display_name.length"]),
        error_messages={"required": REFUSALS["display_name.length"]},
    )
    next = fields.String(load_default="")


class SignInFormSchema(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254, error=_l("请填写手机号或邮箱")),
        error_messages={"required": _l("请填写手机号或邮箱")},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error=_l("请填写密码")),
        error_messages={"required": _l("请填写密码")},
    )
    next = fields.String(load_default="")


SIGN_IN_FORM = SignInFormSchema()
PHONE_FORM = PhoneFormSchema()
CODE_FORM = CodeFormSchema()
SIGN_UP_FORM = SignUpFormSchema()
