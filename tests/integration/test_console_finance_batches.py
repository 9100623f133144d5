"""Finance's settlement batch pages (结算批次): the list, preview and create with a progress bar a real worker ends,
maker-checker in Chinese, payment through the demo rail or the bank's results file, payouts by status, held ones
released, cancelling, downloads that are files with numbers as numbers, the reconciliation, and 404s."""

from __future__ import annotations

import csv
import io

import openpyxl
import sqlalchemy as sa
from rq.serializers import JSONSerializer
from sqlmodel import Session

from distro.auth.models import Role, User
from distro.db import engine_for
from distro.queue import get_queue
from distro.settlement import computing, payees
from distro.settlement.models import Payout, SettlementBatch
from tests.factories import PASSWORD, make_shop, make_user
from tests.integration.test_payout_rails import approved_batch
from tests.integration.test_settlement import earn, with_payee
from tests.integration.test_settlement import supplier_product as supplier_product
from tests.integration.test_settlement_concurrency import setup
from tests.integration.workers import BurstWorker

PAGES = "/console/finance/batches"


def signed_in(app, user):
    client = app.test_client()
    answer = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert answer.status_code == 303
    return client


def text(answer) -> str:
    return answer.get_data(as_text=True)


def computed_batch(client, app, session, maker, product, *, accounts=("6222020200112233",)):
    """A batch the maker created on the page and the computation made ready, paying a shop per account."""
    for number, account in enumerate(accounts, start=1):
        shop = make_shop(session, app)
        payees.register_payee(
            session=session,
            owner_id=shop.owner_id,
            values={"kind": "bank", "account_name": "王小美", "account_number": account, "bank_name": "工商银行"},
        )
        earn(client, app, session, shop, product, f"B{number}", 100_000)
    created = signed_in(app, maker).post(PAGES, data={"cutoff_at": ""})
    assert created.status_code == 303
    batch_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100) == "computed"
    return batch_id


def test_a_finance_user_previews_creates_and_watches_a_batch_computed_by_a_worker(committed_app, committed_db, redis):
    setup(committed_app, committed_db, shops=2)  # leaves a batch computing that no job computes
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        maker = make_user(session, Role.FINANCE)
    client = signed_in(committed_app, maker)
    assert "新建批次" in text(client.get(PAGES))
    preview = client.post(f"{PAGES}/preview", data={"cutoff_at": ""})
    assert preview.status_code == 200 and "预览：这个批次会认领和支付" in text(preview) and "¥120.00" in text(preview)
    created = client.post(PAGES, data={"cutoff_at": ""})
    assert created.status_code == 303
    page = text(client.get(created.headers["Location"]))
    assert "计算中" in page and "排队等待计算" in page and "<progress" in page
    batch_id = int(created.headers["Location"].rsplit("/", 1)[1])
    polled = client.get(f"{PAGES}/{batch_id}/progress", headers={"HX-Request": "true"})
    assert "排队等待计算" in text(polled) and "HX-Refresh" not in polled.headers
    BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    done = client.get(f"{PAGES}/{batch_id}/progress", headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    page = text(client.get(f"{PAGES}/{batch_id}"))
    assert "待审批" in page and "¥120.00" in page and "<progress" not in page


def test_a_cut_off_in_the_future_or_typed_wrong_is_refused_beside_the_field(client, session, redis):
    maker = make_user(session, Role.FINANCE)
    client = signed_in(client.application, maker)
    future = client.post(PAGES, data={"cutoff_at": "2099-01-01T00:00"})
    assert future.status_code == 422 and "截止时间不能晚于现在" in text(future)
    garbled = client.post(f"{PAGES}/preview", data={"cutoff_at": "明天"})
    assert garbled.status_code == 422 and "请按 年-月-日 时:分 填写截止时间" in text(garbled)
    assert session.scalar(sa.select(sa.func.count()).select_from(SettlementBatch)) == 0


def test_the_maker_cannot_approve_and_is_told_why_in_chinese_and_a_colleague_can(
    client, app, session, supplier_product, redis
):
    maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    refused = signed_in(app, maker).post(f"{PAGES}/{batch_id}/approve")
    assert refused.status_code == 403 and "你创建了这个批次，不能自己审批" in text(refused)
    assert session.get(SettlementBatch, batch_id).status == "ready"
    approved = signed_in(app, checker).post(f"{PAGES}/{batch_id}/approve")
    assert approved.status_code == 303
    session.expire_all()
    assert session.get(SettlementBatch, batch_id).status == "approved"
    again = signed_in(app, checker).post(f"{PAGES}/{batch_id}/approve")
    assert again.status_code == 409 and "只有待审批的批次可以审批" in text(again)


def test_the_batches_list_filters_by_status_and_pages_from_the_last_shown(
    client, app, session, supplier_product, redis
):
    maker = make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    finance = signed_in(app, maker)
    assert f"批次 {batch_id}" in text(finance.get(PAGES + "?status=ready"))
    assert f"批次 {batch_id}" not in text(finance.get(PAGES + "?status=paid"))
    assert f"批次 {batch_id}" not in text(finance.get(PAGES + f"?after={batch_id}"))
    assert finance.get(PAGES + "?status=nonsense").status_code == 200


def test_downloads_are_files_with_numbers_as_numbers(client, app, session, supplier_product, redis):
    maker = make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    finance = signed_in(app, maker)
    payment_csv = finance.get(f"{PAGES}/{batch_id}/payouts.csv")
    assert payment_csv.headers["Content-Disposition"] == f"attachment; filename=batch-{batch_id}.csv"
    rows = list(csv.reader(io.StringIO(payment_csv.data.decode("utf-8-sig"))))
    assert (rows[1][7], rows[1][9], rows[-1][9]) == ("6222020200112233", "60.00", "60.00")
    sheet = openpyxl.load_workbook(io.BytesIO(finance.get(f"{PAGES}/{batch_id}/payouts.xlsx").data)).active
    first = [cell.value for cell in sheet[2]]
    assert (first[0], first[7], first[9]) == (batch_id, "6222020200112233", 60)  # ids and amounts are numbers
    assert sheet.cell(row=2, column=10).number_format == "0.00"
    report = openpyxl.load_workbook(io.BytesIO(finance.get(f"{PAGES}/{batch_id}/reconciliation.xlsx").data)).active
    figures = {(row[1], row[2]): row[3] for row in report.iter_rows(min_row=2, values_only=True)}
    assert figures[("computed", "payouts")] == 60 and figures[("batch", "ties_out")] == "yes"
    report_csv = finance.get(f"{PAGES}/{batch_id}/reconciliation.csv").data.decode("utf-8-sig")
    assert "computed,claimed,60.00" in report_csv


def test_the_reconciliation_is_shown_on_screen_and_ties_out(client, app, session, supplier_product, redis):
    maker = make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    page = text(signed_in(app, maker).get(f"{PAGES}/{batch_id}/reconciliation"))
    assert "对账平衡" in page and "本批认领" in page and "¥60.00" in page and "各供货商应付佣金" in page
    assert "<td>测试供应链有限公司</td>" in page  # the supplier by its name, not its id


def test_paying_through_the_demo_rail_shows_the_failed_payout_and_its_reason(committed_app, committed_db, redis):
    batch_id, checker_id, named = approved_batch(committed_app, committed_db, shops=3)
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        checker = session.get(User, checker_id)
    finance = signed_in(committed_app, checker)
    page = text(finance.get(f"{PAGES}/{batch_id}"))
    assert "通过演示通道付款" in page and "演示付款通道：不会真实转账" in page
    assert finance.post(f"{PAGES}/{batch_id}/pay").status_code == 303
    assert "正在通过付款通道付款" in text(finance.get(f"{PAGES}/{batch_id}"))
    BurstWorker([get_queue("default", redis)], connection=redis, serializer=JSONSerializer).work(burst=True)
    page = text(finance.get(f"{PAGES}/{batch_id}"))
    assert "部分付款" in page and "收款账户信息不符" in page and f"DEMO-{named['paid-1']}" in page
    failed = text(finance.get(f"{PAGES}/{batch_id}?status=failed"))
    assert "收款账户信息不符" in failed and f"DEMO-{named['paid-1']}" not in failed
    refused = finance.post(f"{PAGES}/{batch_id}/pay")
    assert refused.status_code == 409 and "只有已审批的批次可以付款" in text(refused)


def approved_bank_file_batch(client, app, session, supplier_product, monkeypatch):
    """With the bank-file rail, a batch computed by one finance user and approved by another: its id and the
    approver's client."""
    monkeypatch.setitem(app.config, "PAYOUT_RAIL", "bank_file")
    maker, checker = make_user(session, Role.FINANCE), make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    finance = signed_in(app, checker)
    finance.post(f"{PAGES}/{batch_id}/approve")
    return batch_id, finance


def test_the_bank_file_rail_has_no_pay_button_and_results_come_from_the_uploaded_file(
    client, app, session, supplier_product, redis, monkeypatch
):
    batch_id, finance = approved_bank_file_batch(client, app, session, supplier_product, monkeypatch)
    page = text(finance.get(f"{PAGES}/{batch_id}"))
    assert "上传银行结果文件" in page and "付款通道付款" not in page
    assert "银行文件" in text(finance.post(f"{PAGES}/{batch_id}/pay"))
    payout = session.scalars(sa.select(Payout).where(Payout.batch_id == batch_id)).one()
    upload = f"payout_id,status,external_reference,reason\n{payout.id},paid,ICBC-778,\n".encode()
    answer = finance.post(
        f"{PAGES}/{batch_id}/results",
        data={"file": (io.BytesIO(upload), "result.csv"), "csrf_token": finance.csrf_token},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    session.expire_all()
    assert (session.get(Payout, payout.id).status, session.get(SettlementBatch, batch_id).status) == ("paid", "paid")
    garbled = finance.post(
        f"{PAGES}/{batch_id}/results",
        data={"file": (io.BytesIO(b"id;state\n1;ok\n"), "result.csv"), "csrf_token": finance.csrf_token},
        content_type="multipart/form-data",
    )
    assert garbled.status_code == 422 and "无法读取结果文件" in text(garbled)
    contradicting = f"payout_id,status,external_reference,reason\n{payout.id},failed,,卡号错误\n".encode()
    refused = finance.post(
        f"{PAGES}/{batch_id}/results",
        data={"file": (io.BytesIO(contradicting), "result.csv"), "csrf_token": finance.csrf_token},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "第 1 行：这笔付款已有不同的结果" in text(refused)


def test_a_held_payout_is_released_once_its_owner_registers_a_payee_account(
    client, app, session, supplier_product, redis
):
    maker = make_user(session, Role.FINANCE)
    shop = make_shop(session, app)
    earn(client, app, session, shop, supplier_product, "H1", 100_000)
    created = signed_in(app, maker).post(PAGES, data={"cutoff_at": ""})
    batch_id = int(created.headers["Location"].rsplit("/", 1)[1])
    computing.compute_batch(session=session, batch_id=batch_id, minimum_fen=100)
    finance = signed_in(app, maker)
    assert "暂缓（无收款账户）" in text(finance.get(f"{PAGES}/{batch_id}?status=held"))
    with_payee(client, app, session.get(User, shop.owner_id))
    released = finance.post(f"{PAGES}/{batch_id}/release-held")
    assert released.status_code == 303 and "released=1" in released.headers["Location"]
    assert "已放行 1 笔暂缓的付款" in text(finance.get(released.headers["Location"]))


def test_cancelling_a_ready_batch_needs_a_reason(client, app, session, supplier_product, redis):
    maker = make_user(session, Role.FINANCE)
    batch_id = computed_batch(client, app, session, maker, supplier_product)
    finance = signed_in(app, maker)
    no_reason = finance.post(f"{PAGES}/{batch_id}/cancel", data={"reason": ""})
    assert no_reason.status_code == 422 and "请填写 3 到 500 字的取消原因" in text(no_reason)
    assert finance.post(f"{PAGES}/{batch_id}/cancel", data={"reason": "截止时间选错了"}).status_code == 303
    page = text(finance.get(f"{PAGES}/{batch_id}"))
    assert "已取消：截止时间选错了" in page


def test_the_payouts_list_pages_newest_first_from_the_last_shown(client, app, session, supplier_product, redis):
    maker = make_user(session, Role.FINANCE)
    batch_id = computed_batch(
        client, app, session, maker, supplier_product, accounts=("6222020200110001", "6222020200110002")
    )
    ids = sorted(session.scalars(sa.select(Payout.id).where(Payout.batch_id == batch_id)))
    finance = signed_in(app, maker)
    after_newest = text(finance.get(f"{PAGES}/{batch_id}?after={ids[1]}"))
    assert f"<td>{ids[0]}</td>" in after_newest and f"<td>{ids[1]}</td>" not in after_newest


def test_an_unknown_batch_is_a_404_page_and_other_roles_are_refused(client, app, session, redis):
    finance = signed_in(app, make_user(session, Role.FINANCE))
    for path in ("", "/reconciliation", "/payouts.csv", "/payouts.xlsx", "/progress"):
        answer = finance.get(f"{PAGES}/987654{path}")
        assert answer.status_code == 404 and "找不到页面" in text(answer), path
    assert finance.post(f"{PAGES}/987654/approve").status_code == 404
    supplier = signed_in(app, make_user(session, Role.SUPPLIER))
    assert supplier.get(PAGES).status_code == 403


BAD_RESULT_FILES = [
    (b"id;state\n1;ok\n", "表头中没有 payout_id、status 列"),
    (b"payout_id,reason\n1,x\n", "表头中没有 status 列"),
    (b"payout_id,status\n1,paid\n2,paid\nthree,paid\n", "第 4 行：payout_id 不是整数"),
    ("payout_id,status\n1,已付\n".encode("gbk"), "文件不是 UTF-8 文本（第 20 个字节）"),
    (b"payout_id,status\n1,pa\rid\n", "第 2 行无法按 CSV 读取"),
    (b"payout_id,status\n1,done\n", "第 1 行：状态须为 paid 或 failed"),
    (b"payout_id,status\n0,paid\n", "第 1 行：payout_id 须为正整数"),
]


def test_a_results_file_that_cannot_be_read_or_breaks_a_rule_is_refused_saying_why_in_chinese(
    client, app, session, supplier_product, redis, monkeypatch
):
    batch_id, finance = approved_bank_file_batch(client, app, session, supplier_product, monkeypatch)
    for upload, said in BAD_RESULT_FILES:
        answer = finance.post(
            f"{PAGES}/{batch_id}/results",
            data={"file": (io.BytesIO(upload), "result.csv"), "csrf_token": finance.csrf_token},
            content_type="multipart/form-data",
        )
        page = text(answer)
        assert answer.status_code == 422 and said in page, (upload, page[page.find('class="error"') :][:300])
        for english in ("column", "line ", "whole number", "UTF-8 text", "Must be", "Not a valid"):
            assert english not in page, (upload, english)
    session.expire_all()
    assert {payout.status for payout in session.scalars(sa.select(Payout).where(Payout.batch_id == batch_id))} == {
        "pending"
    }
