"""资质申请 in the supplier console: the API's qualifications and the papers that prove them, checked and kept out
of public reach; then the application's status and the admin's reasons."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from distro.auth.models import Role
from distro.suppliers import services
from distro.suppliers.models import Supplier, SupplierDocument
from distro.suppliers.rules import SupplierAction
from tests.factories import PASSWORD, make_supplier, make_user

APPLICATION = {
    "company_name": "杭州好物供应链有限公司",
    "registered_capital_fen": "1000000",
    "general_vat_taxpayer": "yes",
    "deposit_paid_fen": "10000.00",
    "brand_chain_depth": "2",
    "traceable_purchase_record": "no",
}


def signed_in(client, user):
    assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 303
    return user


def picture(kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(out, format=kind)
    return out.getvalue()


def apply(client, **files):
    data = {**APPLICATION, **{name: (io.BytesIO(body), filename) for name, (body, filename) in files.items()}}
    return client.post("/console/supplier/application", data=data, content_type="multipart/form-data")


def supplier_of(session, user) -> Supplier | None:
    return session.execute(sa.select(Supplier).where(Supplier.user_id == user.id)).scalar_one_or_none()


def test_a_new_supplier_applies_with_a_licence_picture_and_sees_the_application_under_review(client, session):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    page = client.get("/console/supplier/application").get_data(as_text=True)
    assert "供货商入驻申请" in page and "营业执照" in page

    answer = apply(client, licence=(picture(), "执照.png"))
    assert answer.status_code == 303
    supplier = supplier_of(session, user)
    assert supplier is not None and supplier.status == "applied"
    assert supplier.registered_capital_fen == 100_000_000 and supplier.deposit_paid_fen == 1_000_000
    assert supplier.general_vat_taxpayer is True and supplier.brand_chain_depth == 2
    [paper] = session.execute(sa.select(SupplierDocument).where(SupplierDocument.supplier_id == supplier.id)).scalars()
    assert (paper.kind, paper.original_name, paper.content_type) == ("licence", "执照.png", "image/png")
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "审核中" in shown and "执照.png" in shown and "提交申请" not in shown


def test_a_pdf_authorisation_is_taken_beside_the_licence_and_opens_only_for_its_supplier_and_admins(
    client, session, app
):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    assert apply(client, licence=(picture("JPEG"), "licence.jpg"), authorisation=(pdf, "授权书.pdf")).status_code == 303
    supplier = supplier_of(session, user)
    papers = session.execute(
        sa.select(SupplierDocument).where(SupplierDocument.supplier_id == supplier.id).order_by(SupplierDocument.id)
    ).scalars()
    licence, authorisation = list(papers)
    assert licence.content_type == "image/jpeg" and authorisation.content_type == "application/pdf"

    own = client.get(f"/console/supplier/documents/{authorisation.id}")
    assert own.status_code == 200 and own.data == pdf and own.mimetype == "application/pdf"
    assert "no-store" in own.headers["Cache-Control"]
    assert client.get(f"/images/{authorisation.stored_name}").status_code == 404  # no public address

    client.post("/logout")
    signed_in(client, make_user(session, Role.SUPPLIER))
    assert client.get(f"/console/supplier/documents/{authorisation.id}").status_code == 404
    client.post("/logout")
    signed_in(client, make_user(session, Role.ADMIN))
    assert client.get(f"/console/supplier/documents/{authorisation.id}").data == pdf
    queue = client.get("/console/admin/applications").get_data(as_text=True)  # the admin reviews with the papers
    assert f'href="/console/supplier/documents/{authorisation.id}">授权书.pdf</a>' in queue
    assert f'href="/console/supplier/documents/{licence.id}">licence.jpg</a>' in queue
    client.post("/logout")
    assert client.get(f"/console/supplier/documents/{authorisation.id}").status_code == 302  # to the sign-in


def test_a_file_that_is_neither_a_picture_nor_a_pdf_is_refused_beside_its_field_and_nothing_is_saved(client, session):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    answer = apply(client, licence=(b"MZ\x90\x00 an executable", "licence.png"))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="e-licence"' in page and "请上传 PDF 或 PNG、JPEG、WebP 图片" in page
    assert supplier_of(session, user) is None
    assert "杭州好物供应链有限公司" in page  # what was typed stays typed


def test_a_licence_is_needed_and_a_file_too_large_is_refused(client, session):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    missing = apply(client).get_data(as_text=True)
    assert "请上传营业执照" in missing
    huge = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    too_large = apply(client, licence=(huge, "big.pdf"))
    assert too_large.status_code == 422 and "文件最大 10 MB" in too_large.get_data(as_text=True)
    assert supplier_of(session, user) is None


def test_files_together_past_the_request_limit_are_refused_in_chinese(client, session, app):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    limit = app.config["MAX_CONTENT_LENGTH"]
    answer = apply(client, licence=(b"%PDF-1.4\n" + b"0" * limit, "scan.pdf"))
    assert answer.status_code == 413 and "文件太大" in answer.get_data(as_text=True)
    assert supplier_of(session, user) is None


def test_an_application_short_of_the_bar_names_each_rule_beside_its_field_in_chinese(client, session):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    data = {**APPLICATION, "registered_capital_fen": "5000", "general_vat_taxpayer": "no", "brand_chain_depth": "5"}
    answer = client.post(
        "/console/supplier/application",
        data={**data, "licence": (io.BytesIO(picture()), "licence.png")},
        content_type="multipart/form-data",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "注册资本不低于 ¥1,000,000.00" in page and "须为一般纳税人" in page and "品牌授权链路不超过 3 级" in page
    assert supplier_of(session, user) is None


def test_bad_input_is_a_chinese_message_on_the_field_never_a_500(client, session):
    signed_in(client, make_user(session, Role.SUPPLIER))
    answer = client.post(
        "/console/supplier/application",
        data={"company_name": "", "registered_capital_fen": "一百万", "brand_chain_depth": "x"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "请填写公司名称" in page and "请填写金额" in page and "请填写整数" in page and "请选择" in page


def test_a_rejected_supplier_sees_why_and_reapplies_with_its_earlier_licence_on_file(client, session):
    user = signed_in(client, make_user(session, Role.SUPPLIER))
    apply(client, licence=(picture(), "licence.png"))
    supplier = supplier_of(session, user)
    admin = make_user(session, Role.ADMIN)
    services.decide(
        session=session,
        supplier_id=supplier.id,
        action=SupplierAction.REJECT,
        reason="营业执照照片不清晰",
        admin_id=admin.id,
    )
    page = client.get("/console/supplier/application").get_data(as_text=True)
    assert "未通过" in page and "营业执照照片不清晰" in page and "重新提交申请" in page
    assert 'value="杭州好物供应链有限公司"' in page  # the earlier answers, to correct

    assert apply(client, licence=(picture("JPEG"), "clear.jpg")).status_code == 303
    session.refresh(supplier)
    assert supplier.status == "applied"
    again = apply(client)  # a form left open in another tab
    assert again.status_code == 409 and "申请正在审核或已通过，不能重复提交" in again.get_data(as_text=True)
    page = client.get("/console/supplier/application").get_data(as_text=True)
    assert "clear.jpg" in page and "licence.png" in page and "提交申请" not in page


def test_a_suspended_supplier_reads_the_reason(client, session, app):
    user, supplier = make_supplier(session, app)
    services.decide(
        session=session,
        supplier_id=supplier.id,
        action=SupplierAction.SUSPEND,
        reason="发货超时投诉过多",
        admin_id=make_user(session, Role.ADMIN).id,
    )
    signed_in(client, user)
    page = client.get("/console/supplier/application").get_data(as_text=True)
    assert "已暂停" in page and "发货超时投诉过多" in page and "提交申请" not in page


def test_an_account_without_the_supplier_role_is_refused(client, session):
    signed_in(client, make_user(session, Role.FINANCE))
    assert client.get("/console/supplier/application").status_code == 403
    assert client.get("/console/supplier/documents/1").status_code == 403
