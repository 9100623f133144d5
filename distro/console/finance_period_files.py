"""The monthly period report as files finance opens in a spreadsheet: CSV (UTF-8 with a BOM) and XLSX, amounts
in yuan as numbers (exact decimals from distro/money.py's to_yuan, never floats), one row per figure."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from distro.money import to_yuan

YUAN_FORMAT = "#,##0.00"
"""How the workbook shows an amount in yuan."""


def yuan(fen: int) -> Decimal:
    """Fen as an exact number of yuan, two decimals."""
    return Decimal(to_yuan(fen))


def figure_rows(report: dict[str, Any]) -> list[tuple[str, int]]:
    """Each figure of the report with its words: (label, fen)."""
    rows: list[tuple[str, int]] = []
    for key, label in (("accrued", _("计提")), ("reversed", _("冲回")), ("clawed_back", _("追回"))):
        for part, whose in (("pool_fen", _("佣金池")), ("owner_fen", _("店主")), ("platform_fen", _("平台"))):
            rows.append((f"{label} · {whose}", report[key][part]))
    for key, label in (
        ("released_fen", _("转为可结算")),
        ("reserved_fen", _("结算预留")),
        ("paid_fen", _("已打款")),
        ("failed_returned_fen", _("打款失败退回")),
        ("cancelled_returned_fen", _("结算取消退回")),
        ("adjustments_to_owners_fen", _("对店主的手工调账")),
        ("owed_to_owners_change_fen", _("应付店主的变动")),
    ):
        rows.append((label, report[key]))
    return rows


def supplier_header() -> list[str]:
    """The header of the suppliers' table."""
    return [
        _("供货商编号"),
        _("供货商"),
        _("计提（元）"),
        _("冲回（元）"),
        _("追回（元）"),
        _("回款（元）"),
        _("应付变动（元）"),
    ]


def supplier_rows(report: dict[str, Any]) -> list[list[Any]]:
    """What each supplier owes for the month: id, name, then amounts in yuan (accrued, reversed, clawed back,
    remitted, and the net change of what it owes)."""
    return [
        [
            row["supplier_id"],
            report["supplier_names"].get(row["supplier_id"], ""),
            *(yuan(row[key]) for key in ("accrued_fen", "reversed_fen", "clawed_back_fen", "remitted_fen", "owed_fen")),
        ]
        for row in report["owed_by_supplier"]
    ]


def _head(report: dict[str, Any]) -> list[list[Any]]:
    return [[_("月份"), report["month"]], [_("勾稽平衡"), _("是") if report["ties_out"] else _("否")], []]


def period_csv(report: dict[str, Any]) -> bytes:
    """The report as CSV: the month, the figures, then the suppliers' table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_head(report))
    writer.writerow([_("项目"), _("金额（元）")])
    writer.writerows([label, to_yuan(fen)] for label, fen in figure_rows(report))
    writer.writerow([])
    writer.writerow(supplier_header())
    writer.writerows([[str(value) for value in row] for row in supplier_rows(report)])
    return ("\ufeff" + buffer.getvalue()).encode()


def period_xlsx(report: dict[str, Any]) -> bytes:
    """The report as a workbook: a sheet of figures and a sheet of suppliers, amounts as numbers."""
    workbook = Workbook()
    figures = workbook.active
    figures.title = _("月度报表")
    for row in _head(report):
        figures.append(row)
    figures.append([_("项目"), _("金额（元）")])
    for label, fen in figure_rows(report):
        figures.append([label, yuan(fen)])
        figures.cell(figures.max_row, 2).number_format = YUAN_FORMAT
    figures.column_dimensions["A"].width = 24
    figures.column_dimensions["B"].width = 16
    suppliers = workbook.create_sheet(_("供货商"))
    suppliers.append(supplier_header())
    for row in supplier_rows(report):
        suppliers.append(row)
        for column in range(3, 8):
            suppliers.cell(suppliers.max_row, column).number_format = YUAN_FORMAT
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
