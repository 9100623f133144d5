"""The finance pages' Chinese words for the ledger's codes: account families, posting kinds, adjustment statuses,
and who corrects a posting finance may not reverse by hand. Words only: every rule stays in distro/ledger."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from distro.ledger.chart import ACCOUNT_FAMILIES

FAMILIES = {
    "shop_pending": _l("店铺待结算佣金（售后期内）"),
    "shop_available": _l("店铺可结算佣金"),
    "supplier_payable": _l("供货商应付佣金"),
    "supplier_deposit": _l("供货商保证金"),
    "buyer_compensation": _l("应付买家赔付"),
    "payouts_clearing": _l("在途打款"),
    "platform_revenue": _l("平台佣金收入"),
    "platform_adjustments": _l("手工调整与核销"),
    "cash": _l("银行存款"),
}
"""Each account family of distro/ledger/chart.py's ACCOUNT_FAMILIES, as finance calls it."""

KINDS = {
    "accrual": _l("计提佣金"),
    "accrual_adjustment": _l("计提调整"),
    "reversal": _l("冲回佣金"),
    "clawback": _l("追回佣金"),
    "release": _l("转为可结算"),
    "payout_reserve": _l("结算预留"),
    "payout_cancel": _l("结算取消退回"),
    "payout_paid": _l("已打款"),
    "payout_failed": _l("打款失败退回"),
    "adjustment": _l("手工调账"),
    "adjustment_reversal": _l("调账冲正"),
    "promise_compensation": _l("超时赔付（扣保证金）"),
    "promise_compensation_paid": _l("赔付已付买家"),
    "supplier_remittance": _l("供货商回款"),
    "deposit_paid": _l("缴纳保证金"),
    "deposit_penalty": _l("保证金罚扣"),
    "deposit_returned": _l("退还保证金"),
}
"""Each posting kind of distro/ledger/rules.py's POSTING_KINDS, as finance calls it."""

STATUSES = {"proposed": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}
"""Each adjustment status (distro/ledger/models.py ADJUSTMENT_STATUSES)."""

CORRECTED_BY = {
    "order processing": _l("这笔记账由订单处理生成，只能由订单自身的事件（退款、取消）更正。"),
    "the commission release": _l("这笔记账由佣金释放生成，只能由订单自身的事件（退款）更正。"),
    "settlement": _l("这笔记账由结算生成，只能由结算批次更正：在待审批时取消批次，或登记打款结果。"),
    "finance": _l("这笔记账本身就是冲正，不能再冲正；请另提一笔调账。"),
    "promise enforcement": _l(
        "这笔记账由服务承诺的违约检查生成，每笔违约只记一次，不能手工冲正；如有错误请另提一笔调账。"
    ),
    "compensation payout": _l("这笔记账记录赔付已付给买家，不能手工冲正；如有错误请另提一笔调账。"),
    "supplier dues": _l("这笔记账是经复核的供货商回款，只能另提一笔调账更正。"),
    "the deposit": _l(
        "这笔记账由保证金流程生成：缴纳的保证金在供货商退出时退还，扣款由供货商补缴；若扣错，请提一笔调账退回保证金。"
    ),
}
"""Why a posting cannot be reversed by hand, by who corrects it (distro/ledger/rules.py hand_reversal_refusal)."""
OTHER_FLOW = _l("这笔记账由系统流程生成，只能由该流程更正。")


def family_of(code: str) -> str | None:
    """The family key of an account code (see distro/ledger/chart.py), or None for a code not in the chart."""
    return next((family for family, (pattern, _, _) in ACCOUNT_FAMILIES.items() if pattern.match(code)), None)


def account_label(code: str, names: Mapping[str, str] | None = None) -> str:
    """An account as finance reads it: its family's words and, for a shop's or supplier's, the owner's name (from
    names, by code: finance_ledger_queries.owner_names) with its number."""
    family = family_of(code)
    words = str(FAMILIES.get(family or "", code))
    owner, _, rest = code.partition(":")
    if owner in ("shop", "supplier"):
        number = rest.partition(":")[0]
        kind = _l("店铺") if owner == "shop" else _l("供货商")
        name = (names or {}).get(code)
        return f"{words} · {name}（{kind} {number}）" if name else f"{words} · {kind} {number}"
    return words


BALANCE_SIDES = {
    "asset": _l("资产类账户：借方记增加，贷方记减少。"),
    "liability": _l("负债类账户：贷方记增加，借方记减少；余额是平台应付对方的金额。"),
    "equity": _l("权益类账户：贷方记增加，借方记减少。"),
    "revenue": _l("收入类账户：贷方记增加。"),
    "expense": _l("费用类账户：借方记增加。"),
}
"""How an account's balance is read, by its type (distro/ledger/chart.py AccountType: its normal side)."""
FAMILY_NOTES = {
    "cash": _l(
        "银行存款只记经本账簿收付的款项：收到保证金和供货商缴来的佣金款记增加，给店主打款、退还保证金和赔付买家记减少。"
        "余额为负，表示平台付出的多于收到的，例如已先向店主结算、供货商的佣金款还没缴来。"
    ),
}
"""What finance needs to know to read one family's balance, beyond its type's side."""
