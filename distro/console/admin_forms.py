"""What the admin console's pages share: the reason form every decision takes, and the words for statuses and roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from distro.console.blueprint import bp

REASON_MAX_LENGTH = 500
"""As the API's AdminReasonSchema: the audit log keeps at most this many characters of why."""


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(str(_l("请填写理由")))


class ReasonForm(Schema):
    """Why an admin acts on a supplier, a shop, an account or a product: required, as the API requires it."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(
        required=True,
        validate=[
            validate.Length(max=REASON_MAX_LENGTH, error=_l("理由最多 %(count)s 字", count=REASON_MAX_LENGTH)),
            _not_blank,
        ],
        error_messages={"required": _l("请填写理由")},
    )


class SearchForm(Schema):
    """A list's filters: a status (or role) and a search, each optional, and the page (?after=)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=60, error=_l("搜索词最多 60 字")))
    after = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))

    @pre_load
    def _blank_is_none(self, data: dict, **_: object) -> dict:
        return blank_is_none(data)


SEARCH_FORM = SearchForm()


def as_id(text: str) -> int | None:
    """A search typed as an id (ASCII digits that fit a bigint), else None: the search is then by words only."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def blank_is_none(args: dict) -> dict:
    """A GET form's empty fields mean "any"."""
    return {name: value for name, value in args.items() if value is None or str(value).strip() != ""}


SUPPLIER_STATUSES = {
    "applied": _l("待审核"),
    "approved": _l("已通过"),
    "rejected": _l("已拒绝"),
    "suspended": _l("已暂停"),
    "removed": _l("已清退"),
}
SHOP_STATUSES = {
    "pending_approval": _l("待审核"),
    "active": _l("营业中"),
    "suspended": _l("暂停营业"),
    "closed": _l("已关闭"),
}
ROLES = {
    "shop_owner": _l("店主"),
    "supplier": _l("供货商"),
    "finance": _l("财务"),
    "admin": _l("管理员"),
}
CONFLICT = _l("当前状态不能这样处理，请刷新页面后再看。")
"""A decision the subject's status does not allow (the service's Conflict), as a page says it."""
OWN_ACCOUNT = _l("不能处理你自己账户名下的对象。")
"""An admin deciding on its own account, shop, supplier or product (the service's Forbidden)."""


@bp.context_processor
def _admin_words() -> dict:
    """The statuses' and roles' words, for every console template."""
    return {"supplier_statuses": SUPPLIER_STATUSES, "shop_statuses": SHOP_STATUSES, "role_names": ROLES}
