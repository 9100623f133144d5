"""发货 in the supplier console: the orders to ship with the buyer's full name, phone and address, shipping one order
or a file of them (CSV or XLSX, each row's result shown, nothing shipped twice), and marking delivered; a supplier
reaches only its own orders."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from distro.auth.models import Role
from distro.console.lists import PAGE_SIZE
from distro.pages import csrf_token_in
from distro.storefront import fulfilment
from distro.storefront.models import Checkout
from tests.console_supplier import paid_order, sign_in
from tests.factories import make_product, make_shop, make_supplier, make_user

PAGE = "/console/supplier/shipping"


@pytest.fixture
def world(app, session):
    """Two suppliers, each with a product carried by one shop; a paid order of each waiting to ship."""
    user, supplier = make_supplier(session, app)
    other_user, _ = make_supplier(session, app)
    serum = make_product(session, app, user, title="玻尿酸精华 30ml")
    tea = make_product(session, app, other_user, title="安溪铁观音")
    shop = make_shop(session, app, carrying=[serum, tea])
    mine = paid_order(session, shop, serum, order_ref="DSMINE00001")
    theirs = paid_order(
        session, shop, tea, order_ref="DSTHEIRS001", phone="13700002222", address="福建省泉州市安溪县城厢镇"
    )
    return {
        "user": user,
        "supplier": supplier,
        "other_user": other_user,
        "shop": shop,
        "serum": serum,
        "tea": tea,
        "mine": mine,
        "theirs": theirs,
    }


def token(client) -> str:
    found = csrf_token_in(client.get(PAGE).get_data(as_text=True))
    assert found
    return found


def status_of(session, order_ref: str) -> Checkout:
    session.expire_all()
    return session.scalars(sa.select(Checkout).where(Checkout.order_ref == order_ref)).one()


def upload(client, name: str, content: bytes):
    return client.post(
        PAGE + "/upload",
        data={"csrf_token": token(client), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_orders_to_ship_show_the_buyers_full_phone_and_address_and_only_this_suppliers(client, world):
    sign_in(client, world["user"])
    page = client.get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "DSMINE00001" in text and "13900001111" in text and "浙江省杭州市西湖区文三路100号3幢501室" in text
    assert "玻尿酸精华 30ml" in text and "¥59.00" in text
    assert "DSTHEIRS001" not in text and "13700002222" not in text and "安溪" not in text


def test_the_menu_names_the_supplier_pages_of_this_part_in_order(client, world):
    sign_in(client, world["user"])
    text = client.get(PAGE).get_data(as_text=True)
    positions = [text.index(f">{label}</a>") for label in ("发货", "分销店铺", "数据", "Webhook")]
    assert positions == sorted(positions)


def test_shipping_one_order_with_carrier_and_tracking_number_answers_htmx_with_its_shipped_row(client, session, world):
    sign_in(client, world["user"])
    answer = client.post(
        f"{PAGE}/DSMINE00001/ship",
        data={"csrf_token": token(client), "carrier": "顺丰速运", "tracking_number": "SF1234567890"},
        headers={"HX-Request": "true"},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and text.lstrip().startswith("<tr") and "已发货" in text and "标记送达" in text
    shipped = status_of(session, "DSMINE00001")
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "顺丰速运", "SF1234567890")


def test_a_bad_tracking_number_is_refused_in_chinese_on_its_field_and_ships_nothing(client, session, world):
    sign_in(client, world["user"])
    answer = client.post(
        f"{PAGE}/DSMINE00001/ship",
        data={"csrf_token": token(client), "carrier": "顺丰速运", "tracking_number": "SF 12"},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="tracking_number-error-DSMINE00001">运单号须为4到60位字母、数字或“-”' in text
    assert status_of(session, "DSMINE00001").status == "paid"


def test_an_order_already_shipped_with_another_parcel_is_refused_on_its_row(client, session, world):
    parcel = {"order_ref": "DSMINE00001", "carrier": "中通快递", "tracking_number": "ZT0001"}
    fulfilment.ship(session=session, supplier_id=world["supplier"].id, shipments=[parcel])
    sign_in(client, world["user"])
    answer = client.post(
        f"{PAGE}/DSMINE00001/ship",
        data={"csrf_token": token(client), "carrier": "顺丰速运", "tracking_number": "SF1234567890"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 422 and "订单已发货" in answer.get_data(as_text=True)
    assert status_of(session, "DSMINE00001").tracking_number == "ZT0001"


def test_another_suppliers_order_is_not_found_by_its_address(client, session, world):
    sign_in(client, world["user"])
    form = {"csrf_token": token(client), "carrier": "顺丰速运", "tracking_number": "SF1234567890"}
    assert client.post(f"{PAGE}/DSTHEIRS001/ship", data=form).status_code == 404
    assert client.post(f"{PAGE}/DSTHEIRS001/delivered", data={"csrf_token": form["csrf_token"]}).status_code == 404
    assert status_of(session, "DSTHEIRS001").status == "paid"


def test_a_csv_file_ships_each_good_row_and_says_why_each_other_row_did_not(client, app, session, world):
    second = paid_order(session, world["shop"], world["serum"], order_ref="DSMINE00002")
    third = paid_order(session, world["shop"], world["serum"], order_ref="DSMINE00003")
    parcel = {"order_ref": third.order_ref, "carrier": "中通快递", "tracking_number": "ZT0001"}
    fulfilment.ship(session=session, supplier_id=world["supplier"].id, shipments=[parcel])
    sign_in(client, world["user"])
    csv = (
        "order_ref,carrier,tracking_no\n"
        "DSMINE00001,顺丰速运,SF1000000001\n"  # ships
        "DSTHEIRS001,顺丰速运,SF1000000002\n"  # another supplier's order
        f"{second.order_ref},顺丰速运,SF 3\n"  # a bad tracking number
        f"{third.order_ref},顺丰速运,SF1000000004\n"  # already shipped with another parcel
    )
    answer = upload(client, "发货.csv", csv.encode())
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "共 4 行，发货 1 单，此前已发货 0 单，未发货 3 行" in text
    assert "未发货：没有这个订单：DSTHEIRS001" in text
    assert "未发货：运单号须为4到60位字母、数字或“-”" in text
    assert "未发货：订单已发货" in text
    assert status_of(session, "DSMINE00001").tracking_number == "SF1000000001"
    assert status_of(session, "DSTHEIRS001").status == "paid"
    assert status_of(session, second.order_ref).status == "paid"
    assert status_of(session, third.order_ref).tracking_number == "ZT0001"


def test_uploading_the_same_file_again_ships_nothing_twice(client, session, world):
    sign_in(client, world["user"])
    csv = "order_ref,carrier,tracking_no\r\nDSMINE00001,顺丰速运,SF1000000001\r\n".encode("utf-8-sig")
    assert "发货 1 单，此前已发货 0 单" in upload(client, "a.csv", csv).get_data(as_text=True)
    shipped_at = status_of(session, "DSMINE00001").shipped_at
    again = upload(client, "a.csv", csv).get_data(as_text=True)
    assert "发货 0 单，此前已发货 1 单，未发货 0 行" in again and "此前已发货，未重复发货" in again
    assert status_of(session, "DSMINE00001").shipped_at == shipped_at
    events = session.execute(
        sa.text("SELECT count(*) FROM order_events WHERE type = 'order.shipped' AND order_ref = 'DSMINE00001'")
    )
    assert events.scalar_one() == 1


def test_an_xlsx_file_with_chinese_headers_and_numeric_tracking_numbers_ships_too(client, session, world):
    book = Workbook()
    sheet = book.active
    sheet.append(["订单号", "快递公司", "运单号"])
    sheet.append(["DSMINE00001", "韵达快递", 4312345678901])
    content = io.BytesIO()
    book.save(content)
    sign_in(client, world["user"])
    text = upload(client, "发货单.xlsx", content.getvalue()).get_data(as_text=True)
    assert "发货 1 单" in text
    assert status_of(session, "DSMINE00001").tracking_number == "4312345678901"


def test_a_gbk_csv_as_excel_saves_it_in_china_is_read(client, session, world):
    sign_in(client, world["user"])
    csv = "订单号,快递公司,运单号\nDSMINE00001,圆通速递,YT9876543210\n".encode("gb18030")
    assert "发货 1 单" in upload(client, "gbk.csv", csv).get_data(as_text=True)
    assert status_of(session, "DSMINE00001").carrier == "圆通速递"


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("orders.pdf", b"%PDF-1.4", "请上传 CSV 或 XLSX 文件"),
        ("orders.csv", b"id,who\n1,2\n", "第1行须为表头"),
        ("orders.csv", b"order_ref,carrier,tracking_no\n", "文件里没有要发货的订单"),
        ("orders.xlsx", b"not a zip", "无法读取这个 XLSX 文件"),
    ],
)
def test_a_file_that_is_not_a_shipping_file_is_refused_in_chinese(client, session, world, name, content, said):
    sign_in(client, world["user"])
    answer = upload(client, name, content)
    assert answer.status_code == 422 and said in answer.get_data(as_text=True)
    assert status_of(session, "DSMINE00001").status == "paid"


def test_a_file_of_more_than_500_rows_is_refused_whole(client, session, world):
    sign_in(client, world["user"])
    rows = "".join(f"DS{n:09d},顺丰速运,SF{n:010d}\n" for n in range(501))
    answer = upload(client, "big.csv", ("order_ref,carrier,tracking_no\n" + rows).encode())
    assert answer.status_code == 422 and "一个文件最多500行" in answer.get_data(as_text=True)


def test_marking_a_shipped_order_delivered_and_an_unshipped_one_says_why(client, session, world):
    sign_in(client, world["user"])
    form = {"csrf_token": token(client)}
    refused = client.post(f"{PAGE}/DSMINE00001/delivered", data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "订单尚未发货" in refused.get_data(as_text=True)
    parcel = {"order_ref": "DSMINE00001", "carrier": "中通快递", "tracking_number": "ZT0001"}
    fulfilment.ship(session=session, supplier_id=world["supplier"].id, shipments=[parcel])
    answer = client.post(f"{PAGE}/DSMINE00001/delivered?status=shipped", data=form)
    assert answer.status_code == 303 and answer.headers["Location"] == PAGE + "?status=shipped"
    delivered = status_of(session, "DSMINE00001")
    assert delivered.status == "delivered" and delivered.delivered_by == "carrier"
    listed = client.get(PAGE + "?status=delivered").get_data(as_text=True)
    assert "DSMINE00001" in listed and "送达" in listed


def test_the_list_filters_by_status_and_order_and_pages_oldest_first_to_ship(client, session, world):
    refs = [paid_order(session, world["shop"], world["serum"]).order_ref for _ in range(PAGE_SIZE)]
    sign_in(client, world["user"])
    first = client.get(PAGE).get_data(as_text=True)
    assert "DSMINE00001" in first and refs[-2] in first and refs[-1] not in first
    after = first.split(PAGE + "?after=")[1].split("&")[0]
    second = client.get(f"{PAGE}?after={after}&status=paid").get_data(as_text=True)
    assert refs[-1] in second and "DSMINE00001" not in second and "下一页" not in second
    one = client.get(f"{PAGE}?order_ref={refs[3]}").get_data(as_text=True)
    assert refs[3] in one and refs[4] not in one
    assert "没有这个状态的订单" in client.get(PAGE + "?status=shipped").get_data(as_text=True)


def test_a_shop_owner_without_the_supplier_role_is_refused(client, session, world):
    sign_in(client, make_user(session, Role.SHOP_OWNER, Role.FINANCE))
    assert client.get(PAGE).status_code == 403


def test_the_orders_to_ship_export_to_fill_in_and_upload_back_as_they_are(client, session, world):
    sign_in(client, world["user"])
    exported = client.get(PAGE + "/export?format=csv")
    assert exported.status_code == 200 and exported.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert exported.headers["Cache-Control"] == "no-store" and "attachment" in exported.headers["Content-Disposition"]
    text = exported.get_data().decode("utf-8-sig")
    header, row, *rest = text.splitlines()
    assert header.startswith("order_ref,carrier,tracking_no,product") and rest == []
    assert row.startswith(
        "DSMINE00001,,,玻尿酸精华 30ml,,1,59.00,李四,13900001111,浙江省杭州市西湖区文三路100号3幢501室,"
    )
    filled = text.replace("DSMINE00001,,,", "DSMINE00001,顺丰速运,SF5550001,")
    assert "发货 1 单" in upload(client, "filled.csv", filled.encode()).get_data(as_text=True)
    assert status_of(session, "DSMINE00001").tracking_number == "SF5550001"
    assert client.get(PAGE + "/export?format=csv").get_data().decode("utf-8-sig").splitlines()[1:] == []
    workbook = client.get(PAGE + "/export?format=xlsx")
    assert workbook.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_xlsx_export_keeps_amounts_and_quantities_as_numbers(client, world):
    from openpyxl import load_workbook

    sign_in(client, world["user"])
    exported = client.get(PAGE + "/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(exported.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("order_ref", "carrier", "tracking_no") and len(rows) == 2
    assert rows[1][0] == "DSMINE00001" and rows[1][5] == 1 and rows[1][6] == 59 and rows[1][8] == "13900001111"
    assert client.get(PAGE + "/export?format=pdf").status_code == 404


def test_each_order_to_ship_says_by_when_the_suppliers_promise_then_has_it_ship_and_when_that_passed(
    client, session, world
):
    import datetime as dt

    from distro.clock import BUSINESS_TZ, utcnow
    from distro.promises.models import SupplierPromise

    mine = status_of(session, "DSMINE00001")
    session.add(
        SupplierPromise(
            supplier_id=world["supplier"].id,
            ship_within_hours=48,
            ship_compensation_kind="fixed",
            ship_compensation_value=1_000,
            effective_from=utcnow() - dt.timedelta(days=10),
            set_by=world["user"].id,
        )
    )
    session.commit()
    sign_in(client, world["user"])
    by = (mine.paid_at + dt.timedelta(hours=48)).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
    assert f"承诺 {by} 前发货" in client.get(PAGE).get_data(as_text=True)

    mine.paid_at = utcnow() - dt.timedelta(hours=50)
    session.commit()
    late = (mine.paid_at + dt.timedelta(hours=48)).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
    assert f"已超过承诺发货时间 {late}" in client.get(PAGE).get_data(as_text=True)
