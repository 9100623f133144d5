"""The supplier console's forms: what each field takes in the pages' words (amounts in yuan, rates in percent, as
suppliers type them), loaded into what the API's services take (fen, basis points), and the pages' words for the
services' refusals (distro.pages.page_messages)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from distro.money import format_cny, format_rate, parse_rate
from distro.owner.forms import Yuan
from distro.suppliers.pictures import PICTURES_PER_PRODUCT
from distro.suppliers.rules import CATEGORIES, QualificationPolicy, RateBounds

RATE_MESSAGE = _l("请填写佣金比例，如 20 或 12.5（%）")
WHOLE_MESSAGE = _l("请填写整数")
YES_NO = {"yes": True, "no": False}
POSITIVE = validate.Range(min=1, error=_l("须大于 0"))

STATUS_NAMES = {
    "applied": _l("审核中"),
    "approved": _l("已通过"),
    "rejected": _l("未通过"),
    "suspended": _l("已暂停"),
    "removed": _l("已清退"),
}
"""A supplier's status (distro.suppliers.rules.SupplierStatus) as the console names it."""
PRODUCT_STATUS_NAMES = {"listed": _l("已上架"), "delisted": _l("已下架")}
DOCUMENT_KIND_NAMES = {"licence": _l("营业执照"), "authorisation": _l("品牌授权书")}


class Percent(fields.Field):
    """A rate typed in percent (at most two decimals, 0 to 100), loaded as basis points."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            return parse_rate(str(value))
        except ValueError:
            raise ValidationError(str(RATE_MESSAGE)) from None


def _whole(minimum: int = 0, maximum: int = 2**31 - 1) -> fields.Integer:
    """A whole number typed in a form (stock), within PostgreSQL's integer."""
    return fields.Integer(
        required=True,
        validate=validate.Range(min=minimum, max=maximum, error=_l("请填写不小于 0 的整数")),
        error_messages={"invalid": WHOLE_MESSAGE, "required": _l("必填")},
    )


class _PageForm(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_missing(self, data: dict, **_: object) -> dict:
        # An empty field is a field not filled in: "required" speaks, not "not a number".
        return {key: value for key, value in data.items() if not (isinstance(value, str) and value.strip() == "")}


class ApplicationForm(_PageForm):
    """供货商入驻: the API's application (ApplicationSchema), the amounts in yuan, the yes/no questions as radios."""

    company_name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=100, error=_l("公司名称 2 到 100 字")),
        error_messages={"required": _l("请填写公司名称")},
    )
    registered_capital_fen = Yuan(required=True, error_messages={"required": _l("请填写注册资本")})
    general_vat_taxpayer = fields.String(
        required=True,
        validate=validate.OneOf(list(YES_NO), error=_l("请选择")),
        error_messages={"required": _l("请选择")},
    )
    deposit_paid_fen = Yuan(required=True, error_messages={"required": _l("请填写承诺缴纳的保证金")})
    brand_chain_depth = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=20, error=_l("授权链路 1 到 20 级")),
        error_messages={"invalid": WHOLE_MESSAGE},
    )
    traceable_purchase_record = fields.String(load_default="no", validate=validate.OneOf(list(YES_NO)))

    @post_load
    def _answers(self, data: dict, **_: object) -> dict:
        data["general_vat_taxpayer"] = YES_NO[data["general_vat_taxpayer"]]
        data["traceable_purchase_record"] = YES_NO[data["traceable_purchase_record"]]
        return data


class ProductForm(_PageForm):
    """商品: the API's product fields (ProductCreateSchema), prices in yuan; SKUs and pictures are read apart."""

    title = fields.String(
        required=True,
        validate=validate.Length(min=2, max=60, error=_l("标题 2 到 60 字")),
        error_messages={"required": _l("请填写标题")},
    )
    description = fields.String(load_default="", validate=validate.Length(max=2000, error=_l("描述最多 2000 字")))
    category = fields.String(
        required=True,
        validate=validate.OneOf(list(CATEGORIES), error=_l("请选择类目")),
        error_messages={"required": _l("请选择类目")},
    )
    price_fen = Yuan(required=True, validate=POSITIVE, error_messages={"required": _l("请填写售价")})
    other_platform_price_fen = Yuan(
        required=True, validate=POSITIVE, error_messages={"required": _l("请填写其他平台售价")}
    )
    stock = _whole()


class NewProductForm(ProductForm):
    """A new product also takes its first commission rate."""

    commission_rate_bp = Percent(required=True, error_messages={"required": RATE_MESSAGE})


class SkuForm(_PageForm):
    """One SKU row: its name, price in yuan and stock."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40, error=_l("规格名最多 40 字")),
        error_messages={"required": _l("请填写规格名")},
    )
    price_fen = Yuan(required=True, validate=POSITIVE, error_messages={"required": _l("请填写售价")})
    stock = _whole()


class ProductFilterForm(_PageForm):
    """The products list's filters: status and words of the title, and the page."""

    status = fields.String(load_default=None, validate=validate.OneOf(["listed", "delisted"]))
    q = fields.String(load_default=None, validate=validate.Length(max=60, error=_l("关键词最多 60 字")))
    after = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1))


class RateForm(_PageForm):
    """佣金设置: the rate in percent."""

    rate_bp = Percent(required=True, error_messages={"required": RATE_MESSAGE})


def product_refusals(bounds: RateBounds) -> dict[str, object]:
    """The product services' refusals in the pages' words (see distro.suppliers.rules and pictures)."""
    return {
        "price_above_other_platforms": _l("售价不能高于其他平台售价"),
        "skus.unique": _l("规格名不能重复"),
        "rate_floor": _l("佣金比例不能低于平台下限 %(rate)s", rate=format_rate(bounds.floor_bp)),
        "rate_cap": _l("佣金比例不能高于平台上限 %(rate)s", rate=format_rate(bounds.cap_bp)),
        "image_urls.too_many": _l("最多 %(count)s 张图片", count=PICTURES_PER_PRODUCT),
        "image_urls.size": _l("每张图片最大 10 MB"),
        "image_urls.image": _l("请上传 PNG、JPEG 或 WebP 图片"),
    }


def application_refusals(policy: QualificationPolicy) -> dict[str, object]:
    """The application's refusals in the pages' words: the bar (distro.suppliers.rules) and the papers."""
    return {
        "min_registered_capital": _l("注册资本不低于 %(amount)s", amount=format_cny(policy.min_registered_capital_fen)),
        "general_vat_taxpayer": _l("须为一般纳税人"),
        "min_deposit": _l("须缴纳不低于 %(amount)s 的保证金", amount=format_cny(policy.min_deposit_fen)),
        "brand_authorisation": _l(
            "品牌授权链路不超过 %(depth)s 级，或有可追溯的进货记录", depth=policy.max_brand_chain_depth
        ),
        "size": _l("文件最大 10 MB"),
        "file_type": _l("请上传 PDF 或 PNG、JPEG、WebP 图片"),
        "too_many": _l("一次最多 5 个文件"),
        "licence.required": _l("请上传营业执照"),
    }
