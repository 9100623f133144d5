"""The owner app's forms: what each field takes, in the pages' words, and the pages' words for the services'
refusals (distro.pages.page_messages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from distro.i18n import quoted_words
from distro.money import parse_yuan
from distro.shops.profile import INTRO_MAX_LENGTH
from distro.shops.rules import ShopPolicy
from distro.shops.services import POOL_SORTS, PoolFilter
from distro.suppliers.rules import CATEGORIES

PAGE_SIZE = 20
"""Products per page of the pool."""
SORTS = {
    "commission": _l("佣金高"),
    "recent_sales": _l("销量高"),
    "newest": _l("最新"),
    "price": _l("价格低"),
    "-price": _l("价格高"),
}
"""The pool's sorts (the API's, distro.shops.services.POOL_SORTS) as the page names them."""
assert set(SORTS) == set(POOL_SORTS)
YUAN_MESSAGE = _l("请填写金额，如 99 或 99.90")
PICK_PRODUCT = _l("请选择商品")
PICK_SHOP = _l("请选择店铺")


class Yuan(fields.Field):
    """An amount typed in yuan (at most two decimals), loaded as fen by distro.money.parse_yuan."""

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        text = value if isinstance(value, str) else ""
        try:
            fen = parse_yuan(text)
        except ValueError:
            raise ValidationError(str(YUAN_MESSAGE)) from None
        if fen < 0 or fen > 10**12:
            raise ValidationError(str(YUAN_MESSAGE))
        return fen


class PoolFormSchema(Schema):
    """Browsing the pool: the API's filters and sorts (GET /api/v1/pool), prices in yuan and the commission in
    percent as owners type them, and the page."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default=None, validate=validate.Length(max=50, error=_l("关键词最多 50 字")))
    category = fields.String(load_default=None, validate=validate.OneOf(list(CATEGORIES), error=_l("请选择类目")))
    min_price = Yuan(load_default=None)
    max_price = Yuan(load_default=None)
    min_rate = fields.Decimal(
        load_default=None,
        places=2,
        validate=validate.Range(min=0, max=100, error=_l("佣金比例在 0 到 100 之间")),
        error_messages={"invalid": _l("佣金比例在 0 到 100 之间")},
    )
    supplier_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))
    sort = fields.String(load_default="commission", validate=validate.OneOf(list(SORTS), error=_l("请选择排序")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000, error=_l("页码不对")))
    shop = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))

    @pre_load
    def _blank_is_none(self, data: dict, **_: object) -> dict:
        # An empty field of a GET form means "any".
        return {key: value for key, value in data.items() if value.strip() != ""}

    @validates_schema
    def _price_range(self, data: dict, **_: object) -> None:
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError(str(_l("最低价不能高于最高价")), "min_price")

    @post_load
    def _filter(self, data: dict, **_: object) -> dict:
        rate = data["min_rate"]
        data["filter"] = PoolFilter(
            category=data["category"],
            min_price_fen=data["min_price"],
            max_price_fen=data["max_price"],
            min_rate_bp=int(rate * 100) if isinstance(rate, Decimal) else None,
            supplier_id=data["supplier_id"],
            keyword=data["q"].strip() if data["q"] else None,
            sort=data["sort"],
        )
        return data


class PickFormSchema(Schema):
    """Adding a product to the shop, with the owner's reason."""

    class Meta:
        unknown = EXCLUDE

    # Hidden fields the pool's page fills in: a wrong one was not sent by it, so the page only asks to choose again.
    product_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**63 - 1, error=PICK_PRODUCT),
        error_messages={"required": PICK_PRODUCT, "invalid": PICK_PRODUCT},
    )
    shop_id = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**63 - 1, error=PICK_SHOP),
        error_messages={"required": PICK_SHOP, "invalid": PICK_SHOP},
    )
    reason = fields.String(load_default="")
    next = fields.String(load_default="")


class ReasonFormSchema(Schema):
    """Changing a pick's reason."""

    class Meta:
        unknown = EXCLUDE

    reason = fields.String(load_default="")


class MoveFormSchema(Schema):
    """Moving a pick up or down one place."""

    class Meta:
        unknown = EXCLUDE

    step = fields.Integer(required=True, validate=validate.OneOf([-1, 1]))


class ShopNameFormSchema(Schema):
    """Opening a shop: its name (the slug is generated)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100, error=_l("请填写店名")),
        error_messages={"required": _l("请填写店名")},
    )


class ShopProfileFormSchema(Schema):
    """A shop's introduction (its logo is the form's file)."""

    intro = fields.String(
        load_default="",
        validate=validate.Length(max=INTRO_MAX_LENGTH, error=_l("简介最多 %(count)s 字", count=INTRO_MAX_LENGTH)),
    )


def shop_refusals(policy: ShopPolicy) -> dict[str, Any]:
    """Why a shop cannot be opened or presented, as the pages say it (field.rule, as the services name them)."""
    return {
        "name.length": _l("店名须为 %(min)s 到 %(max)s 个字", min=policy.name_min_length, max=policy.name_max_length),
        "name.forbidden_word": _l("店名不能含有%(words)s", words=quoted_words(policy.forbidden_words)),
        "name.suffix": _l("不用写「%(suffix)s」，系统会自动加上", suffix=policy.name_suffix),
        "name.unique": _l("这个店名已被使用，换一个吧"),
        "owner.shops_per_owner": _l("你的店铺数已到上限；需要更多请联系平台"),
        "credit_score.min_credit_score": _l("信用分不足 %(score)s，暂时不能开店", score=policy.min_credit_score),
        "intro.length": _l("简介最多 %(count)s 字", count=INTRO_MAX_LENGTH),
        "logo.size": _l("图片太大，请选 5 MB 以内的图片"),
        "logo.image": _l("请选择 PNG、JPEG 或 WebP 图片"),
        "reason.length": _l("推荐理由最多 %(count)s 字", count=policy.reason_max_length),
        "product_id.in_pool": _l("这件商品已不在货源池"),
        "product_id.supplier_stopped": _l("这件商品的供货商已停止与你的小铺合作，暂时不能加入"),
        "product_id.max_products": _l("小铺最多放 %(count)s 件商品，先移出几件吧", count=policy.max_products),
    }


SHOP_NAME_FORM = ShopNameFormSchema()
SHOP_PROFILE_FORM = ShopProfileFormSchema()
POOL_FORM = PoolFormSchema()
PICK_FORM = PickFormSchema()
REASON_FORM = ReasonFormSchema()
MOVE_FORM = MoveFormSchema()
