"""平台管理 › 等级规则: the tier table in force, a new version of it (checked by tiers.rules.tier_table_violations
through tiers.services.set_rules, as the API does), and a month's evaluation looked at before it is run."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from distro.auth.models import Role
from distro.clock import utcnow
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.db import get_session
from distro.errors import ValidationFailed
from distro.money import format_rate, parse_rate, parse_yuan, to_yuan
from distro.tiers import services
from distro.tiers.context import request_tiers
from distro.tiers.dry_run import would_evaluate
from distro.tiers.rules import THRESHOLDS, TierTable, previous_month

menu_item(Role.ADMIN, "console.admin_tiers", _l("等级规则"), order=60, pages=("console.admin_tier_dry_run",))

MAX_TIERS = 10
"""As the API's RulesSchema: a table has at most ten tiers."""
TEXT_LENGTHS = {"name": 20, "name_en": 30}
"""As the API's TierSchema: the longest tier names."""
INTEGER_MAX = 2**31 - 1
MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")
RULE_WORDS = {
    ("share_bp", "range"): _l("分成比例须大于 0% 且小于 100%"),
    ("min_net_gmv_fen", "range"): _l("请填写不小于 0 的金额"),
    ("min_orders", "range"): _l("请填写不小于 0 的整数"),
    ("min_buyers", "range"): _l("请填写不小于 0 的整数"),
    ("share_bp", "non_decreasing"): _l("分成比例不能低于上一等级"),
    ("min_net_gmv_fen", "non_decreasing"): _l("销售额门槛不能低于上一等级"),
    ("min_orders", "non_decreasing"): _l("订单数门槛不能低于上一等级"),
    ("min_buyers", "non_decreasing"): _l("买家数门槛不能低于上一等级"),
    ("tiers", "length"): _l("至少需要两个等级"),
    ("tiers", "unique"): _l("等级代码不能为空或重复"),
}
"""tier_table_violations' refusals (the field's last part, the rule) in the page's words."""


def _whole(text: str) -> int:
    if not re.fullmatch(r"-?\d{1,10}", text.strip()):
        raise ValueError(text)
    value = int(text)
    if value > INTEGER_MAX:
        raise ValueError(text)
    return value


def _yuan(text: str) -> int:
    fen = parse_yuan(text)
    if fen > 2**63 - 1:
        raise ValueError(text)
    return fen


PARSERS = {
    "share_bp": (parse_rate, _l("请填写百分比，如 60 或 62.5")),
    "min_net_gmv_fen": (_yuan, _l("请填写金额，如 5000 或 5000.50")),
    "min_orders": (_whole, _l("请填写整数")),
    "min_buyers": (_whole, _l("请填写整数")),
}
"""How each number of the form is typed (share in percent, sales in yuan) and what is said when it is not."""


def _read_form(current: TierTable) -> tuple[list[dict], dict[str, list[str]]]:
    """The tiers as the form sent them (codes stay the table's), and each field's message when it is not a number."""
    tiers, errors = [], {}
    for index, tier in enumerate(current.tiers[:MAX_TIERS]):
        raw: dict = {"code": tier.code}
        for name, longest in TEXT_LENGTHS.items():
            text = request.form.get(f"tiers.{index}.{name}", "").strip()
            if not 1 <= len(text) <= longest:
                errors[f"tiers.{index}.{name}"] = [str(_l("请填写 1 到 %(n)s 个字", n=longest))]
            raw[name] = text
        for name, (parse, message) in PARSERS.items():
            text = request.form.get(f"tiers.{index}.{name}", "")
            try:
                raw[name] = parse(text)
            except ValueError:
                errors[f"tiers.{index}.{name}"] = [str(message)]
        tiers.append(raw)
    return tiers, errors


def _rule_messages(refused: ValidationFailed) -> dict[str, list[str]]:
    messages: dict[str, list[str]] = {}
    for failure in refused.errors:
        said = RULE_WORDS.get((failure.field.rsplit(".", 1)[-1], failure.rule), failure.message)
        messages.setdefault(failure.field, []).append(str(said))
    return messages


def _typed() -> dict[str, str]:
    """What the admin typed, to show it again beside its message."""
    return {key: value for key, value in request.form.items() if key.startswith("tiers.")}


def _as_form(table: TierTable) -> dict[str, str]:
    values = {}
    for index, tier in enumerate(table.tiers):
        values[f"tiers.{index}.name"], values[f"tiers.{index}.name_en"] = tier.name, tier.name_en
        values[f"tiers.{index}.share_bp"] = format_rate(tier.share_bp).rstrip("%")  # 6000 → 60, 6250 → 62.5
        values[f"tiers.{index}.min_net_gmv_fen"] = to_yuan(tier.min_net_gmv_fen)
        values[f"tiers.{index}.min_orders"] = str(tier.min_orders)
        values[f"tiers.{index}.min_buyers"] = str(tier.min_buyers)
    return values


def _rules_page(values: dict[str, str], errors: dict, status: int = 200) -> tuple[str, int]:
    return render_template(
        "console/admin/tier_rules.html",
        table=request_tiers(),
        values=values,
        errors=errors,
        month=previous_month(utcnow()).strftime("%Y-%m"),
        saved=request.args.get("saved"),
        thresholds=THRESHOLDS,
    ), status


@bp.get("/admin/tiers")
@console_page(Role.ADMIN)
def admin_tiers() -> tuple[str, int]:
    """等级规则: the table in force, as a form for its next version."""
    return _rules_page(_as_form(request_tiers()), {})


@bp.post("/admin/tiers")
@console_page(Role.ADMIN)
def admin_save_tiers() -> BaseResponse | tuple[str, int]:
    """Save the form as the table's new version (the old ones are kept); a broken rule is said on its field."""
    tiers, errors = _read_form(request_tiers())
    if not errors:
        try:
            services.set_rules(
                session=get_session(), tiers=tiers, admin_id=current_user_id(), defaults=current_app.config["TIERS"]
            )
        except ValidationFailed as refused:
            errors = _rule_messages(refused)
    if errors:
        return _rules_page(_typed(), errors, 422)
    return redirect(url_for("console.admin_tiers", saved=1), 303)


def _month(text: str) -> dt.date | None:
    found = MONTH.match(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    return dt.date(year, month, 1) if 1970 <= year <= 9000 and 1 <= month <= 12 else None


def _evaluation_page(month_text: str, *, run: bool) -> tuple[str, int]:
    month = _month(month_text)
    if month is None:
        return render_template(
            "console/admin/tier_evaluation.html", month=month_text, errors={"month": [str(_l("请选择月份"))]}
        ), 422
    count_self_purchases = current_app.config["SELF_PURCHASE_POLICY"] != "flag"
    try:
        if run:
            result = services.evaluate_month(
                session=get_session(), month=month, table=request_tiers(), count_self_purchases=count_self_purchases
            )
            context: dict = {"ran": result}
        else:
            context = {
                "dry": would_evaluate(
                    get_session(), month=month, table=request_tiers(), count_self_purchases=count_self_purchases
                )
            }
    except ValidationFailed:
        return render_template(
            "console/admin/tier_evaluation.html",
            month=month.strftime("%Y-%m"),
            errors={"month": [str(_l("这个月还没有结束，结束后才能评定"))]},
        ), 422
    return render_template(
        "console/admin/tier_evaluation.html",
        month=month.strftime("%Y-%m"),
        errors={},
        **context,
    ), 200


@bp.get("/admin/tiers/evaluation")
@console_page(Role.ADMIN)
def admin_tier_dry_run() -> tuple[str, int]:
    """试算: which shops a month's evaluation would move (from → to, counts), before running it; nothing is written."""
    return _evaluation_page(request.args.get("month", previous_month(utcnow()).strftime("%Y-%m")), run=False)


@bp.post("/admin/tiers/evaluation")
@console_page(Role.ADMIN)
def admin_tier_evaluate() -> tuple[str, int]:
    """Run the month's evaluation (tiers.services.evaluate_month, as the API and the monthly job do)."""
    return _evaluation_page(request.form.get("month", ""), run=True)
