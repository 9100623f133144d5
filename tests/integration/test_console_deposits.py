"""保证金 in the consoles: the supplier pays its shortfall at the demo cashier and sees it 已缴清, sees why its goods
are out of the pool, and asks for its deposit back; an admin sets a supplier's requirement and draws a penalty,
each with a reason; finance lists what each supplier holds and owes of it."""

from __future__ import annotations

import datetime as dt
import re

from distro.auth.models import Role
from distro.deposits import returns, rules, services
from distro.pages import csrf_token_in
from distro.suppliers import services as supplier_services
from distro.suppliers.models import Supplier
from distro.suppliers.rules import SupplierAction
from tests.console_supplier import sign_in
from tests.factories import make_product, make_supplier, make_user
from tests.owner_money import new_trade

PAGE = "/console/supplier/deposit"


def token(client, path: str = PAGE) -> str:
    found = csrf_token_in(client.get(path).get_data(as_text=True))
    assert found
    return found


def unpaid(session, app):
    user, supplier = make_supplier(session, app, approve=False)
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.APPROVE, reason=None, admin_id=admin.id
    )
    return user, supplier


def test_a_supplier_pays_its_deposit_at_the_demo_cashier_and_sees_it_paid(client, app, session):
    user, _ = unpaid(session, app)
    product = make_product(session, app, user)
    sign_in(client, user)
    page = client.get(PAGE).get_data(as_text=True)
    assert "保证金不足，还需补缴 ¥10,000.00" in page and "缴纳保证金 ¥10,000.00" in page
    to_cashier = client.post(f"{PAGE}/pay", data={"csrf_token": token(client)})
    assert to_cashier.status_code == 303
    cashier_url = to_cashier.headers["Location"]
    assert cashier_url.startswith("/console/supplier/deposit/pay/demo/DEP")
    cashier = client.get(cashier_url).get_data(as_text=True)
    assert "这是演示收银台，不会真实扣款。" in cashier and "¥10,000.00" in cashier
    confirm = client.post(f"{cashier_url}/confirm", data={"csrf_token": csrf_token_in(cashier)})
    assert confirm.status_code == 303 and confirm.headers["Location"].endswith(PAGE)
    again = client.post(f"{cashier_url}/confirm", data={"csrf_token": csrf_token_in(cashier)})  # a second click
    assert again.status_code == 303
    paid = client.get(PAGE).get_data(as_text=True)
    assert "已缴清" in paid and "缴纳保证金" in paid  # the movement's kind
    assert paid.count("¥10,000.00") == 3  # required, held, and the one movement
    assert client.get(cashier_url).status_code == 303  # a paid payment's cashier sends back to the page
    session.expire_all()
    assert session.get_one(type(product), product.id).in_pool


def test_another_suppliers_cashier_is_not_found(client, app, session):
    user, _ = unpaid(session, app)
    payment = services.start_payment(session=session, user_id=user.id, provider="demo")
    other, _ = unpaid(session, app)
    sign_in(client, other)
    assert client.get(f"{PAGE}/pay/demo/{payment.reference}").status_code == 404
    page = client.get(PAGE)
    confirm = client.post(
        f"{PAGE}/pay/demo/{payment.reference}/confirm", data={"csrf_token": csrf_token_in(page.get_data(as_text=True))}
    )
    assert confirm.status_code == 404


def test_the_supplier_sees_why_its_goods_left_the_pool_after_a_draw(client, app, session):
    user, supplier = make_supplier(session, app)
    services.draw_deposit(
        session=session,
        supplier_id=supplier.id,
        amount_fen=5_000,
        reason_kind=rules.COMPENSATION,
        reference="promise:1",
        to_account="platform:buyer_compensation",
        memo="超时发货赔付买家",
    )
    session.commit()
    sign_in(client, user)
    page = client.get(PAGE).get_data(as_text=True)
    assert "保证金不足，还需补缴 ¥50.00" in page and "补缴保证金 ¥50.00" in page
    assert "超时赔付（扣保证金）" in page and "超时发货赔付买家" in page and "-¥50.00" in page


def test_a_suspended_supplier_is_told_paying_does_not_bring_it_back_and_cannot_ask_for_its_deposit(
    client, app, session
):
    user, supplier = make_supplier(session, app)
    admin = make_user(session, Role.ADMIN)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.SUSPEND, reason="抽检不合格", admin_id=admin.id
    )
    sign_in(client, user)
    page = client.get(PAGE).get_data(as_text=True)
    assert "你的供货商资格已被平台暂停（抽检不合格）" in page
    assert "申请退还保证金" not in page


def test_a_return_asked_with_an_order_open_is_refused_in_words(client, app, session):
    trade = new_trade(client, app, session)
    trade.order("R1", 100_000, paid_at=dt.datetime.now(dt.UTC))
    supplier = session.get_one(Supplier, trade.product.supplier_id)
    user = session.get(type(trade.owner), supplier.user_id)
    sign_in(client, user)
    form = {"account_name": "杭州良品", "account_number": "6222020200112233", "bank_name": "工商银行"}
    refused = client.post(f"{PAGE}/return", data={**form, "csrf_token": token(client)})
    assert refused.status_code == 409
    assert "还有欠平台的佣金未结清" in refused.get_data(as_text=True)


def test_a_return_form_with_a_bad_account_number_says_so_on_the_field(client, app, session):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    form = {"account_name": "杭州良品", "account_number": "12ab", "bank_name": "工商银行"}
    refused = client.post(f"{PAGE}/return", data={**form, "csrf_token": token(client)})
    assert refused.status_code == 422
    assert "请填写 8 到 30 位数字的银行账号" in refused.get_data(as_text=True)


def test_a_supplier_with_nothing_outstanding_gets_its_deposit_back(client, app, session):
    user, _ = make_supplier(session, app)
    sign_in(client, user)
    form = {"account_name": "杭州良品", "account_number": "6222020200112233", "bank_name": "工商银行"}
    back = client.post(f"{PAGE}/return", data={**form, "csrf_token": token(client)})
    assert back.status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert "已退还" in page and "退还保证金" in page and "缴纳保证金 ¥10,000.00" in page


def test_an_admin_sets_a_requirement_and_draws_a_penalty_each_with_a_reason(client, app, session):
    _, supplier = make_supplier(session, app)
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    page = f"/console/admin/deposits/{supplier.id}"
    no_reason = client.post(f"{page}/requirement", data={"required_fen": "20000", "csrf_token": token(client, page)})
    assert no_reason.status_code == 422 and "请填写理由" in no_reason.get_data(as_text=True)
    done = client.post(
        f"{page}/requirement", data={"required_fen": "20000", "reason": "大家电类目", "csrf_token": token(client, page)}
    )
    assert done.status_code == 303
    zero = client.post(f"{page}/penalty", data={"amount_fen": "0", "reason": "售假", "csrf_token": token(client, page)})
    assert zero.status_code == 422 and "扣款金额必须大于 0" in zero.get_data(as_text=True)
    fined = client.post(
        f"{page}/penalty", data={"amount_fen": "100", "reason": "售假", "csrf_token": token(client, page)}
    )
    assert fined.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "¥20,000.00（大家电类目）" in html and "保证金罚扣" in html and "售假" in html
    assert "¥9,900.00" in html and "¥10,100.00" in html  # held, short
    assert "不在货源池" in html


def test_a_penalty_beyond_what_the_deposit_holds_is_refused_on_its_field_and_draws_nothing(client, app, session):
    _, supplier = make_supplier(session, app)  # it holds ¥10,000.00
    sign_in(client, make_user(session, Role.ADMIN))
    page = f"/console/admin/deposits/{supplier.id}"
    before = client.get(page).get_data(as_text=True)
    typo = client.post(
        f"{page}/penalty", data={"amount_fen": "999999999", "reason": "虚假发货", "csrf_token": token(client, page)}
    )
    html = typo.get_data(as_text=True)
    assert typo.status_code == 422 and "扣款不能超过供货商已缴的保证金（¥10,000.00）" in html
    assert re.search(r'<input id="f-amount_fen"[^>]*aria-invalid="true"', html)  # the message is on its field
    after = client.get(page).get_data(as_text=True)
    assert "保证金罚扣" not in after and "不在货源池" not in after and "¥10,000.00" in before
    whole = client.post(
        f"{page}/penalty", data={"amount_fen": "10000", "reason": "虚假发货", "csrf_token": token(client, page)}
    )
    assert whole.status_code == 303  # all of it may be drawn


def test_each_form_of_the_admin_deposit_page_labels_its_own_fields(client, app, session):
    _, supplier = make_supplier(session, app)
    sign_in(client, make_user(session, Role.ADMIN))
    page = f"/console/admin/deposits/{supplier.id}"
    html = client.get(page).get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two forms ask for a 理由: a shared id made one label name the other's field
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S):
        inputs = set(re.findall(r'<input id="([^"]+)"', form))
        assert set(re.findall(r'<label for="([^"]+)"', form)) <= inputs
    refused = client.post(f"{page}/penalty", data={"amount_fen": "100", "csrf_token": token(client, page)})
    assert 'aria-describedby="e-penalty-reason"' in refused.get_data(as_text=True)


def test_finance_lists_each_suppliers_required_held_and_short_deposit(client, app, session):
    _, paid = make_supplier(session, app)
    _, short = unpaid(session, app)
    paid.company_name, short.company_name = "已缴足的供货商", "未缴的供货商"
    session.commit()
    sign_in(client, make_user(session, Role.FINANCE))
    html = client.get("/console/finance/deposits").get_data(as_text=True)
    first, second = html.index(short.company_name), html.index(paid.company_name)
    assert first < second  # newest first
    assert "¥10,000.00" in html and "¥0.00" in html and "不在货源池" in html and "在售" in html


def test_the_deposit_pages_are_for_their_roles_only(client, app, session):
    sign_in(client, make_user(session, Role.SHOP_OWNER))
    assert client.get(PAGE).status_code == 403
    assert client.get("/console/finance/deposits").status_code == 403


def test_an_admin_returns_a_removed_suppliers_deposit_and_only_a_removed_ones(client, app, session):
    _, supplier = make_supplier(session, app)
    admin = make_user(session, Role.ADMIN)
    sign_in(client, admin)
    page = f"/console/admin/deposits/{supplier.id}"
    form = {"account_name": "杭州良品", "account_number": "6222020200112233", "bank_name": "工商银行"}
    assert "退还保证金" not in client.get(page).get_data(as_text=True)
    early = client.post(f"{page}/return", data={**form, "csrf_token": token(client, page)})
    assert early.status_code == 409 and "只能为已清退的供货商退还保证金" in early.get_data(as_text=True)
    supplier_services.decide(
        session=session, supplier_id=supplier.id, action=SupplierAction.REMOVE, reason="主动退出", admin_id=admin.id
    )
    back = client.post(f"{page}/return", data={**form, "csrf_token": token(client, page)})
    assert back.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "已退还" in html and "-¥10,000.00" in html
    session.expire_all()
    assert returns.outstanding(session, session.get_one(Supplier, supplier.id), window_days=15).held_fen == 0
