"""调账: a finance user proposes an adjustment in yuan, a second one approves or rejects it (never the proposer),
and a manual adjustment's posting is reversed the same way, all through the ledger's own service."""

from __future__ import annotations

import re

from sqlmodel import col, select

from distro.auth.models import Role
from distro.ledger import services as ledger
from distro.ledger.models import Adjustment, Posting
from tests.factories import make_shop, make_user
from tests.finance_books import post, sign_in

BANK_FEE = {
    "memo": "银行手续费入账",
    "account_0": "platform:adjustments",
    "debit_0": "12.34",
    "account_1": "cash",
    "credit_1": "12.34",
}


def propose(client, form: dict):
    return client.post("/console/finance/adjustments/new", data=form)


def newest(session) -> Adjustment:
    return session.exec(select(Adjustment).order_by(col(Adjustment.id).desc())).first()


def test_a_proposal_typed_in_yuan_is_the_apis_adjustment_in_fen_and_posts_nothing_yet(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    answer = propose(client, BANK_FEE)
    adjustment = newest(session)
    assert answer.status_code == 303 and answer.headers["Location"] == f"/console/finance/adjustments/{adjustment.id}"
    assert adjustment.status == "proposed" and adjustment.memo == "银行手续费入账"
    assert adjustment.entries == [
        {"account": "platform:adjustments", "amount": 1234},
        {"account": "cash", "amount": -1234},
    ]
    assert ledger.balance(session, "cash") == 0
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "待审批" in html and "¥12.34" in html and "需由另一位财务同事审批" in html


def test_the_form_opened_from_an_accounts_page_has_that_account_on_its_first_row(client, session, app):
    shop = make_shop(session, app)
    code = f"shop:{shop.id}:available"
    post(session, "t:release", "release", (f"shop:{shop.id}:pending", 500), (code, -500))
    sign_in(client, make_user(session, Role.FINANCE))
    account_page = client.get(f"/console/finance/ledger/accounts/{code}").get_data(as_text=True)
    assert f"/console/finance/adjustments/new?account={code}" in account_page
    form = client.get(f"/console/finance/adjustments/new?account={code}").get_data(as_text=True)
    assert f'name="account_0" id="f-account_0" value="{code}"' in form


def test_a_bad_amount_is_refused_on_its_field_in_chinese(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    for typed in ("12.345", "abc", "-5", "0"):
        answer = propose(client, {**BANK_FEE, "debit_0": typed, "credit_1": "12.34"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, typed
        assert 'id="e-debit_0"' in html and "最多两位小数" in html
    assert newest(session) is None


def test_an_unbalanced_adjustment_is_refused_by_the_ledgers_rule_and_what_was_typed_stays(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    answer = propose(client, {**BANK_FEE, "credit_1": "12.00"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "借方合计与贷方合计不相等" in html
    assert 'value="12.00"' in html and "银行手续费入账" in html
    assert newest(session) is None


def test_an_unknown_account_code_and_a_shop_that_does_not_exist_are_refused_on_their_row(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    html = propose(client, {**BANK_FEE, "account_1": "bank"}).get_data(as_text=True)
    assert 'id="e-account_1"' in html and "没有这个账户代码" in html
    answer = propose(client, {**BANK_FEE, "account_1": "shop:999999999:available"})
    assert answer.status_code == 422 and "该账户所属的店铺或供货商不存在" in answer.get_data(as_text=True)
    assert 'id="e-account_1"' in answer.get_data(as_text=True)


def test_a_reason_too_short_and_a_single_row_are_refused(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    html = propose(client, {**BANK_FEE, "memo": "x"}).get_data(as_text=True)
    assert "请填写 3 到 500 字的调账原因" in html
    html = propose(client, {"memo": "只有一行", "account_0": "cash", "debit_0": "1"}).get_data(as_text=True)
    assert "请至少填写两行分录" in html


def test_the_proposer_cannot_approve_their_own_adjustment_and_is_told_so_in_chinese(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    propose(client, BANK_FEE)
    adjustment = newest(session)
    page = client.get(f"/console/finance/adjustments/{adjustment.id}").get_data(as_text=True)
    assert "批准并记账" not in page and "撤回" in page
    answer = client.post(f"/console/finance/adjustments/{adjustment.id}/approve")
    assert answer.status_code == 403 and "不能由你自己审批" in answer.get_data(as_text=True)
    session.refresh(adjustment)
    assert adjustment.status == "proposed" and ledger.balance(session, "cash") == 0


def test_a_second_finance_user_approves_and_it_posts_once(client, session, app):
    proposer, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    sign_in(client, proposer)
    propose(client, BANK_FEE)
    adjustment = newest(session)
    client.post("/logout")
    sign_in(client, checker)
    answer = client.post(f"/console/finance/adjustments/{adjustment.id}/approve")
    assert answer.status_code == 303
    again = client.post(f"/console/finance/adjustments/{adjustment.id}/approve")
    assert again.status_code == 303
    session.refresh(adjustment)
    assert adjustment.status == "approved" and adjustment.decided_by == checker.id
    assert ledger.balance(session, "cash") == -1234 and ledger.balance(session, "platform:adjustments") == 1234
    html = client.get(f"/console/finance/adjustments/{adjustment.id}").get_data(as_text=True)
    assert f"/console/finance/ledger/postings/{adjustment.posting_id}" in html and checker.display_name in html


def test_a_rejection_needs_a_reason_and_then_nothing_posts_and_approving_is_refused(client, session):
    proposer, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    sign_in(client, proposer)
    propose(client, BANK_FEE)
    adjustment = newest(session)
    client.post("/logout")
    sign_in(client, checker)
    short = client.post(f"/console/finance/adjustments/{adjustment.id}/reject", data={"reason": "x"})
    assert short.status_code == 422 and "请填写 3 到 500 字的原因" in short.get_data(as_text=True)
    assert (
        client.post(f"/console/finance/adjustments/{adjustment.id}/reject", data={"reason": "金额有误"}).status_code
        == 303
    )
    late = client.post(f"/console/finance/adjustments/{adjustment.id}/approve")
    assert late.status_code == 409 and "已经处理过" in late.get_data(as_text=True)
    session.refresh(adjustment)
    assert adjustment.status == "rejected" and adjustment.reason == "金额有误"
    assert ledger.balance(session, "cash") == 0


def test_the_list_pages_newest_first_and_filters_by_status(client, session):
    finance = make_user(session, Role.FINANCE)
    sign_in(client, finance)
    for number in range(3):
        propose(client, {**BANK_FEE, "memo": f"手续费 {number}"})
    first, _, third = session.exec(select(Adjustment).order_by(col(Adjustment.id))).all()
    client.post(f"/console/finance/adjustments/{first.id}/reject", data={"reason": "重复提交"})
    html = client.get("/console/finance/adjustments").get_data(as_text=True)
    assert html.index("手续费 2") < html.index("手续费 1") < html.index("手续费 0")
    proposed = client.get("/console/finance/adjustments?status=proposed").get_data(as_text=True)
    assert "手续费 2" in proposed and "手续费 0" not in proposed
    rejected = client.get("/console/finance/adjustments?status=rejected").get_data(as_text=True)
    assert "手续费 0" in rejected and "手续费 1" not in rejected
    after = client.get(f"/console/finance/adjustments?after={third.id}").get_data(as_text=True)
    assert "手续费 2" not in after and "手续费 1" in after
    bad = client.get("/console/finance/adjustments?status=lost")
    assert bad.status_code == 422 and "没有这个状态" in bad.get_data(as_text=True)


def test_an_adjustments_posting_is_reversed_by_a_proposal_another_finance_user_approves(client, session):
    proposer, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    sign_in(client, proposer)
    propose(client, BANK_FEE)
    client.post("/logout")
    sign_in(client, checker)
    client.post(f"/console/finance/adjustments/{newest(session).id}/approve")
    posting_id = newest(session).posting_id
    page = client.get(f"/console/finance/ledger/postings/{posting_id}").get_data(as_text=True)
    assert "提出冲正" in page
    answer = client.post(f"/console/finance/ledger/postings/{posting_id}/reversal", data={"memo": "重复入账"})
    assert answer.status_code == 303
    reversal = newest(session)
    assert reversal.reverses_posting_id == posting_id and reversal.proposed_by == checker.id
    twice = client.post(f"/console/finance/ledger/postings/{posting_id}/reversal", data={"memo": "再来一次"})
    assert twice.status_code == 409 and "冲正正在等待审批" in twice.get_data(as_text=True)
    client.post("/logout")
    sign_in(client, proposer)
    client.post(f"/console/finance/adjustments/{reversal.id}/approve")
    assert ledger.balance(session, "cash") == 0
    html = client.get(f"/console/finance/ledger/postings/{posting_id}").get_data(as_text=True)
    assert "已被冲正" in html and "提出冲正" not in html


def test_a_posting_a_flow_made_is_not_reversed_by_hand_and_the_page_says_who_corrects_it(client, session, app):
    shop = make_shop(session, app)
    posting_id = post(
        session, "t:release", "release", (f"shop:{shop.id}:pending", 500), (f"shop:{shop.id}:available", -500)
    )
    sign_in(client, make_user(session, Role.FINANCE))
    page = client.get(f"/console/finance/ledger/postings/{posting_id}").get_data(as_text=True)
    assert "提出冲正" not in page and "只能由订单自身的事件" in page
    answer = client.post(f"/console/finance/ledger/postings/{posting_id}/reversal", data={"memo": "想冲掉"})
    assert answer.status_code == 409 and "只能由订单自身的事件" in answer.get_data(as_text=True)
    assert session.exec(select(Posting).where(col(Posting.reverses_posting_id) == posting_id)).first() is None


def test_an_adjustment_that_does_not_exist_is_a_404_and_other_roles_are_refused(client, session):
    sign_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/finance/adjustments/999999999").status_code == 404
    client.post("/logout")
    sign_in(client, make_user(session, Role.ADMIN))
    assert client.get("/console/finance/adjustments").status_code == 403
    assert propose(client, BANK_FEE).status_code == 403
    assert re.search("没有权限", client.get("/console/finance/adjustments/new").get_data(as_text=True))
