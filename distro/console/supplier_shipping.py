"""发货 (shipping): the supplier's orders by status with the buyer's full name, phone and address, shipping one
order or a whole file of them (CSV or XLSX), and marking a shipped order delivered.

Over the API's own services (distro.storefront.fulfilment, as /api/v1/supplier/shipments uses them): the list is
its shipments_query, shipping is its ship() (all or none, and idempotent for the same parcel), delivery its
mark_delivered(). This is the one page showing a buyer's phone unmasked: the supplier needs it to ship.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlmodel import Session, col

from distro.auth.models import Role
from distro.clock import BUSINESS_TZ, utcnow
from distro.console.access import console_page, current_user_id
from distro.console.blueprint import bp, menu_item
from distro.console.lists import PAGE_SIZE, Page, PageArgs
from distro.console.shipping_files import (
    MAX_ROWS,
    UNREADABLE,
    FileRow,
    OrderToShip,
    UnreadableFile,
    orders_csv,
    orders_xlsx,
    read_shipping_file,
)
from distro.db import get_session
from distro.errors import Conflict, NotFound, ValidationFailed
from distro.pages import parse_form, parse_query, query_or_defaults, wants_fragment
from distro.promises.services import ship_deadlines
from distro.storefront import events, fulfilment, lifecycle
from distro.storefront.models import Checkout
from distro.storefront.schemas import ShipSchema
from distro.suppliers.models import Product
from distro.suppliers.services import require_approved_supplier, require_reading_supplier
from distro.validation import storable_text

menu_item(
    Role.SUPPLIER,
    "console.supplier_shipping",
    _l("发货"),
    order=40,
    pages=("console.supplier_shipping_upload", "console.supplier_ship", "console.supplier_delivered"),
)

STATUS_NAMES = {
    lifecycle.PAID: _l("待发货"),
    lifecycle.SHIPPED: _l("已发货"),
    lifecycle.DELIVERED: _l("已送达"),
    lifecycle.CANCELLED: _l("已取消"),
    lifecycle.REFUNDED: _l("已退款"),
}
"""The statuses the list filters on and shows, in the supplier's words (an order awaiting payment is not the
supplier's yet)."""
FIELD_WORDS = {
    "order_ref": _l("请填写订单号（最多40个字符）"),
    "carrier": _l("请填写快递公司（最多40个字）"),
    "tracking_number": _l("运单号须为4到60位字母、数字或“-”"),
}
"""What a field broken by the shipping API's ShipSchema says on the page."""
FILE_WORDS = {
    "empty": _l("文件是空的"),
    "header": _l("第1行须为表头：order_ref, carrier, tracking_no（或 订单号, 快递公司, 运单号）"),
    "no_rows": _l("文件里没有要发货的订单"),
    "too_many": _l("一个文件最多%(rows)s行，请分几个文件上传", rows=MAX_ROWS),
    "encoding": _l("无法识别文件的编码，请另存为 UTF-8 的 CSV 或 XLSX"),
    "xlsx": _l("无法读取这个 XLSX 文件"),
    "characters": _l("文件里有无法识别的字符"),
    "type": _l("请上传 CSV 或 XLSX 文件"),
}
"""Why an uploaded file is not a shipping file (distro.console.shipping_files.UNREADABLE), on the page."""
assert set(FILE_WORDS) == set(UNREADABLE)
SHIP_SCHEMA = ShipSchema()


class _RowForm(Schema):
    """A row's ship form: the carrier and tracking number as typed (ShipSchema then judges them)."""

    class Meta:
        unknown = EXCLUDE

    carrier = fields.String(load_default="")
    tracking_number = fields.String(load_default="")


_ROW_FORM = _RowForm()


class ShippingArgs(PageArgs):
    """?status= (paid: to ship, the default) and ?order_ref= (one order): the list's filters."""

    status = fields.String(
        load_default=lifecycle.PAID, validate=validate.OneOf(list(STATUS_NAMES), error=_l("请选择状态"))
    )
    order_ref = fields.String(load_default="", validate=validate.Length(max=100, error=_l("订单号最多 100 个字符")))


@dataclass(frozen=True)
class RowResult:
    """What became of one row of an uploaded file: shipped now, shipped before with this parcel, or refused."""

    row: FileRow
    outcome: str  # "shipped", "already" or "refused"
    reason: str = ""


def _orders_page(session: Session, supplier_id: int, args: dict[str, Any]) -> Page:
    """A page of the supplier's orders in a status: to ship oldest first (what waits longest ships first), the others
    newest first, keyset by id; each row a mapping of the Checkout and its product's title."""
    query = fulfilment.shipments_query(supplier_id, args["status"]).order_by(None)
    if args["order_ref"]:
        query = query.where(col(Checkout.order_ref) == args["order_ref"])
    oldest_first = args["status"] == lifecycle.PAID
    if args["after"] is not None:
        query = query.where(col(Checkout.id) > args["after"] if oldest_first else col(Checkout.id) < args["after"])
    order = col(Checkout.id).asc() if oldest_first else col(Checkout.id).desc()
    rows = list(session.execute(query.order_by(order).limit(PAGE_SIZE + 1)).mappings())
    shown = rows[:PAGE_SIZE]
    return Page(shown, shown[-1]["Checkout"].id if len(rows) > PAGE_SIZE else None)


@dataclass(frozen=True)
class ShipBy:
    """When an order must ship by the supplier's promise, and whether that passed while it waits unshipped."""

    at: dt.datetime
    overdue: bool


def _ship_by(session: Session, supplier_id: int, rows: list) -> dict[str, ShipBy]:
    """Each row's shipping deadline under the promise in force when it was paid (distro.promises), by order ref."""
    checkouts = [row["Checkout"] for row in rows if row["Checkout"].paid_at is not None]
    due = ship_deadlines(session, supplier_id, {checkout.paid_at for checkout in checkouts})
    now = utcnow()
    return {
        checkout.order_ref: ShipBy(
            due[checkout.paid_at], checkout.status == lifecycle.PAID and due[checkout.paid_at] < now
        )
        for checkout in checkouts
        if checkout.paid_at in due
    }


def _render_list(
    args: dict[str, Any],
    *,
    errors: dict[str, dict[str, list[str]]] | None = None,
    refused: dict[str, list[str]] | None = None,
    **extra: Any,
):
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    page = _orders_page(session, supplier.id, args)  # type: ignore[arg-type]
    return render_template(
        "console/supplier/shipping.html",
        page=page,
        args=args,
        ship_by=_ship_by(session, supplier.id, list(page.rows)),  # type: ignore[arg-type]
        statuses=STATUS_NAMES,
        status_labels=STATUS_NAMES,
        errors=errors or {},
        refused=refused or {},
        **extra,
    )


def _list_args() -> dict[str, Any]:
    """The list's filters as the address gives them, the defaults where it gives one the list does not take."""
    return query_or_defaults(ShippingArgs())[0]


@bp.get("/supplier/shipping", endpoint="supplier_shipping")
@console_page(Role.SUPPLIER)
def shipping() -> tuple[str, int]:
    """发货: the supplier's orders in one status (待发货 by default), a page at a time, with the upload form; a
    filter the list does not take is refused on its field (422)."""
    args, refused = query_or_defaults(ShippingArgs())
    return _render_list(args, refused=refused), 422 if refused else 200


def _row_fragment(session: Session, supplier_id: int, order_ref: str, errors: dict[str, list[str]], status: int):
    """The order's row as it is now (after a step), for htmx to put in place of the old one."""
    found = session.execute(
        sa.select(Checkout, col(Product.title))
        .join(Product, col(Product.id) == Checkout.product_id)
        .where(col(Checkout.order_ref) == order_ref, col(Product.supplier_id) == supplier_id)
    ).mappings()
    row = found.one_or_none()
    if row is None:
        raise NotFound(f"No order {order_ref} of this supplier's products.")
    html = render_template(
        "console/supplier/shipping_row.html",
        row=row,
        errors={order_ref: errors} if errors else {},
        ship_by=_ship_by(session, supplier_id, [row]),
        status_labels=STATUS_NAMES,
    )
    return html, status


def _after_step(order_ref: str, errors: dict[str, list[str]]) -> Any:
    """The answer to a step on one order: its row for htmx; else the list again (with the refusal, or redirected)."""
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    if wants_fragment():
        return _row_fragment(session, supplier.id, order_ref, errors, 422 if errors else 200)  # type: ignore[arg-type]
    if errors:
        return _render_list(_list_args(), errors={order_ref: errors}), 422
    return redirect(url_for("console.supplier_shipping", status=request.args.get("status", lifecycle.PAID)), 303)


@bp.post("/supplier/shipping/<order_ref>/ship", endpoint="supplier_ship")
@console_page(Role.SUPPLIER)
def ship_one(order_ref: str) -> Any:
    """Ship one order with the carrier and tracking number typed on its row; a refusal is said on the field."""
    session = get_session()
    supplier = require_approved_supplier(session, current_user_id())
    try:
        typed = parse_form(_ROW_FORM)
        shipment = SHIP_SCHEMA.load({name: value.strip() for name, value in typed.items()} | {"order_ref": order_ref})
        fulfilment.ship(session=session, supplier_id=supplier.id, shipments=[shipment])  # type: ignore[arg-type]
    except ValidationError as refused:
        return _after_step(order_ref, {name: [str(FIELD_WORDS[name])] for name in refused.normalized_messages()})
    except ValidationFailed as refused:
        if any(failure.rule == "unknown" for failure in refused.errors):
            raise NotFound(f"No order {order_ref} of this supplier's products.") from refused
        return _after_step(order_ref, {"tracking_number": [failure.message for failure in refused.errors]})
    events.ask_for_processing(current_app.config)
    return _after_step(order_ref, {})


@bp.post("/supplier/shipping/<order_ref>/delivered", endpoint="supplier_delivered")
@console_page(Role.SUPPLIER)
def delivered(order_ref: str) -> Any:
    """Record that the carrier delivered a shipped order (now); another supplier's order is a 404."""
    session = get_session()
    supplier = require_approved_supplier(session, current_user_id())
    try:
        fulfilment.mark_delivered(session=session, supplier_id=supplier.id, order_ref=order_ref)  # type: ignore[arg-type]
    except Conflict as refused:
        session.rollback()
        return _after_step(order_ref, {"delivered": [str(refused)]})
    events.ask_for_processing(current_app.config)
    return _after_step(order_ref, {})


def _well_formed(row: FileRow) -> str | None:
    """Why a row's fields break the shipping API's schema (the first broken field, in Chinese), or None."""
    if not all(storable_text(value) for value in row.shipment().values()):
        return str(_l("请勿输入特殊字符"))
    try:
        SHIP_SCHEMA.load(row.shipment())
    except ValidationError as refused:
        return str(FIELD_WORDS[next(iter(refused.normalized_messages()))])
    return None


def ship_file(session: Session, supplier_id: int, rows: list[FileRow]) -> list[RowResult]:
    """Ship every row of a file that may ship, and say why each other row may not.

    The shipping service ships all or none and names each row it refuses: the rows it names are set aside and the
    rest asked again, so one bad row does not hold back the others. A row whose order already shipped with the
    same parcel ships nothing again (the service's rule), so uploading the same file twice ships nothing twice.
    """
    refused = {row.line: why for row in rows if (why := _well_formed(row))}
    asked = [row for row in rows if row.line not in refused]
    shipped_at: dict[str, Any] = {}
    started = utcnow()
    while asked:
        started = utcnow()
        try:
            shipped = fulfilment.ship(session=session, supplier_id=supplier_id, shipments=[r.shipment() for r in asked])
        except ValidationFailed as failed:
            named = {asked[int(failure.field.split(".")[1])].line: failure.message for failure in failed.errors}
            if not named:
                raise  # a refusal naming no row: not one this page can show row by row
            refused.update({line: why for line, why in named.items() if line not in refused})
            asked = [row for row in asked if row.line not in refused]
            continue
        shipped_at = {checkout.order_ref: checkout.shipped_at for checkout in shipped}
        break
    return [
        RowResult(row, "refused", refused[row.line])
        if row.line in refused
        else RowResult(row, "shipped" if shipped_at[row.order_ref] >= started else "already")
        for row in rows
    ]


class ExportArgs(Schema):
    """?format=csv|xlsx: the orders-to-ship file's format."""

    class Meta:
        unknown = EXCLUDE

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/supplier/shipping/export", endpoint="supplier_shipping_export")
@console_page(Role.SUPPLIER)
def export() -> Response:
    """The oldest orders to ship (as many as one upload takes) as CSV or XLSX, to fill in the carrier and tracking
    number of each and upload back."""
    try:
        chosen = parse_query(ExportArgs())["format"]
    except ValidationError as error:
        raise NotFound("No such file.") from error
    session = get_session()
    supplier = require_reading_supplier(session, current_user_id())
    query = fulfilment.shipments_query(supplier.id, lifecycle.PAID).order_by(None)  # type: ignore[arg-type]
    rows = session.execute(query.order_by(col(Checkout.id)).limit(MAX_ROWS)).mappings()
    orders = [
        OrderToShip(
            order_ref=row["Checkout"].order_ref,
            product=row["title"],
            sku=row["Checkout"].sku or "",
            quantity=row["Checkout"].quantity,
            amount_fen=row["Checkout"].total_fen,
            buyer_name=row["Checkout"].buyer_name,
            buyer_phone=row["Checkout"].buyer_phone,
            address=row["Checkout"].address,
            paid_at=row["Checkout"].paid_at.astimezone(BUSINESS_TZ),
        )
        for row in rows
    ]
    content = orders_csv(orders) if chosen == "csv" else orders_xlsx(orders)
    name = f"orders-to-ship-{dt.datetime.now(BUSINESS_TZ):%Y%m%d-%H%M}.{chosen}"
    # content_type, not mimetype: the CSV's type has its charset already, to which mimetype would add another.
    answer = Response(content, content_type=EXPORT_TYPES[chosen])
    answer.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    answer.headers["Cache-Control"] = "no-store"  # buyers' phones and addresses: kept by no cache on the way
    return answer


@bp.post("/supplier/shipping/upload", endpoint="supplier_shipping_upload")
@console_page(Role.SUPPLIER)
def upload() -> Any:
    """Ship the orders of an uploaded CSV or XLSX file (order_ref, carrier, tracking_no), showing each row's result."""
    session = get_session()
    supplier = require_approved_supplier(session, current_user_id())
    args = ShippingArgs().load({})
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _render_list(args, upload_error=_l("请选择要上传的文件")), 422
    try:
        rows = read_shipping_file(sent.filename, sent.read())
    except UnreadableFile as unreadable:
        return _render_list(args, upload_error=FILE_WORDS[str(unreadable)]), 422
    results = ship_file(session, supplier.id, rows)  # type: ignore[arg-type]
    if any(result.outcome == "shipped" for result in results):
        events.ask_for_processing(current_app.config)
    counts = {outcome: sum(result.outcome == outcome for result in results) for outcome in ("shipped", "already")}
    counts["refused"] = len(results) - counts["shipped"] - counts["already"]
    return _render_list(args, results=results, counts=counts, filename=sent.filename)
