"""A supplier's shipping files (pure): reading an upload (发货文件, CSV or XLSX rows of order_ref, carrier,
tracking_no), and writing the orders to ship for the supplier to fill in and upload back.

Only files are here: whether a row may ship is the shipping service's rule (distro.storefront.fulfilment.ship),
and whether its fields are well formed the API's schema's (distro.storefront.schemas.ShipSchema). Headers may be
the English column names or their Chinese ones (订单号, 快递公司, 运单号), in any order; blank rows are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from distro.money import to_yuan

MAX_ROWS = 500
"""Rows one file may hold: the API's ShipBatchSchema takes at most 500 shipments a request."""

COLUMNS = {
    "order_ref": "order_ref",
    "订单号": "order_ref",
    "carrier": "carrier",
    "快递公司": "carrier",
    "tracking_no": "tracking_number",
    "tracking_number": "tracking_number",
    "运单号": "tracking_number",
}
"""A header as a file may write it -> the field of the shipping API it fills."""
NEEDED = ("order_ref", "carrier", "tracking_number")
UNREADABLE = ("empty", "header", "no_rows", "too_many", "encoding", "xlsx", "characters", "type")
"""Why a file is not a shipping file: empty, no header naming the three columns, no order, more than MAX_ROWS rows,
an encoding neither UTF-8 nor GB18030, an XLSX that does not open, a NUL character, neither CSV nor XLSX."""


class UnreadableFile(ValueError):
    """A file that is not a shipping file; its message is why, as one of UNREADABLE (the page words each)."""


@dataclass(frozen=True)
class FileRow:
    """One row of the file: its line number as a spreadsheet shows it (the header is line 1), and its three fields."""

    line: int
    order_ref: str
    carrier: str
    tracking_number: str

    def shipment(self) -> dict[str, str]:
        """The row as the shipping API's shipments take it."""
        return {"order_ref": self.order_ref, "carrier": self.carrier, "tracking_number": self.tracking_number}


def _cell(value: object) -> str:
    # A spreadsheet keeps a long number typed into a cell as a number: 1234567890 is the tracking number, not 1.23e9.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _rows(table: Sequence[Sequence[object]]) -> list[FileRow]:
    if not table:
        raise UnreadableFile("empty")
    header = [COLUMNS.get(_cell(name).lower(), COLUMNS.get(_cell(name), "")) for name in table[0]]
    missing = [name for name in NEEDED if name not in header]
    if missing:
        raise UnreadableFile("header")
    at = {name: header.index(name) for name in NEEDED}
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {name: _cell(cells[index]) if index < len(cells) else "" for name, index in at.items()}
        if any(values.values()):
            rows.append(FileRow(line, **values))
    if not rows:
        raise UnreadableFile("no_rows")
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("too_many")
    return rows


def _decoded(content: bytes) -> str:
    # Excel in China saves CSV as GB18030 (GBK) unless told otherwise; anything else is UTF-8, with or without BOM.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise UnreadableFile("encoding") from error


def _xlsx_table(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile("xlsx") from error
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(max_row=MAX_ROWS + 2, values_only=True)]
    finally:
        book.close()


def read_shipping_file(filename: str, content: bytes) -> list[FileRow]:
    """The rows of a CSV or XLSX shipping file (by its name's ending); UnreadableFile when it cannot be read."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _rows(_xlsx_table(content))
    if name.endswith((".csv", ".txt")):
        text = _decoded(content)
        if "\x00" in text:
            raise UnreadableFile("characters")
        return _rows([list(row) for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 2])
    raise UnreadableFile("type")


EXPORT_HEADER = (
    "order_ref",
    "carrier",
    "tracking_no",
    "product",
    "sku",
    "quantity",
    "amount_yuan",
    "buyer_name",
    "buyer_phone",
    "address",
    "paid_at",
)
"""The orders-to-ship file: the three columns an upload reads first, left empty to fill in, then what to pack and
where to send it. Uploaded back as it is, the upload reads its three columns and leaves the others."""


@dataclass(frozen=True)
class OrderToShip:
    """One order of the orders-to-ship file, as plain values (amount in fen, paid at in Asia/Shanghai)."""

    order_ref: str
    product: str
    sku: str
    quantity: int
    amount_fen: int
    buyer_name: str
    buyer_phone: str
    address: str
    paid_at: dt.datetime


def _export_rows(orders: Sequence[OrderToShip]) -> list[list[object]]:
    return [
        [
            order.order_ref,
            "",
            "",
            order.product,
            order.sku,
            order.quantity,
            Decimal(to_yuan(order.amount_fen)),
            order.buyer_name,
            order.buyer_phone,
            order.address,
            order.paid_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for order in orders
    ]


def orders_csv(orders: Sequence[OrderToShip]) -> bytes:
    """The orders to ship as UTF-8 CSV with a BOM (so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(_export_rows(orders))
    return ("\ufeff" + buffer.getvalue()).encode()


def orders_xlsx(orders: Sequence[OrderToShip]) -> bytes:
    """The orders to ship as an XLSX workbook: quantities and amounts as numbers, phones and references as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "orders to ship"
    sheet.append(list(EXPORT_HEADER))
    for row in _export_rows(orders):
        sheet.append(row)
        sheet.cell(sheet.max_row, EXPORT_HEADER.index("amount_yuan") + 1).number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
