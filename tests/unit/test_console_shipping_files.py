"""Reading a supplier's shipping file: CSV (UTF-8 or GB18030) or XLSX, English or Chinese headers in any order,
blank rows skipped, numbers kept as typed; anything else refused with the reason."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from distro.console.shipping_files import MAX_ROWS, FileRow, UnreadableFile, read_shipping_file


def test_a_csv_with_columns_in_another_order_and_blank_rows_gives_each_row_with_its_line():
    content = "carrier,tracking_no,order_ref\n顺丰速运,SF1,DS1\n,,\n 中通 , ZT2 ,DS2\n".encode()
    assert read_shipping_file("a.CSV", content) == [
        FileRow(2, "DS1", "顺丰速运", "SF1"),
        FileRow(4, "DS2", "中通", "ZT2"),
    ]


def test_a_gb18030_csv_with_chinese_headers_is_read():
    content = "订单号,快递公司,运单号\nDS1,圆通速递,YT1\n".encode("gb18030")
    assert read_shipping_file("a.csv", content) == [FileRow(2, "DS1", "圆通速递", "YT1")]


def test_an_xlsx_keeps_a_long_tracking_number_typed_as_a_number_whole():
    book = Workbook()
    book.active.append(["order_ref", "carrier", "tracking_no"])
    book.active.append(["DS1", "韵达快递", 4312345678901.0])
    content = io.BytesIO()
    book.save(content)
    assert read_shipping_file("a.xlsx", content.getvalue()) == [FileRow(2, "DS1", "韵达快递", "4312345678901")]


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("a.pdf", b"%PDF", "type"),
        ("a.csv", b"", "empty"),
        ("a.csv", b"order,carrier\nDS1,SF\n", "header"),
        ("a.csv", b"order_ref,carrier,tracking_no\n,,\n", "no_rows"),
        ("a.csv", b"order_ref,carrier,tracking_no\nDS1,S\x00F,1\n", "characters"),
        ("a.xlsx", b"PK not really", "xlsx"),
        ("a.csv", b"order_ref,carrier,tracking_no\n" + b"DS,SF,1\n" * (MAX_ROWS + 1), "too_many"),
    ],
)
def test_a_file_that_is_not_a_shipping_file_is_refused_with_why(name, content, why):
    with pytest.raises(UnreadableFile, match=f"^{why}$"):
        read_shipping_file(name, content)
