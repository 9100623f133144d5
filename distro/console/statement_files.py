"""Supplier statements (对账单) as files to open in a spreadsheet: CSV (UTF-8 with a BOM) and XLSX, amounts in yuan
as numbers (finance_period_files.yuan: exact decimals, never floats): one statement, a row per figure; or a month's
statements, a row per supplier."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from distro.console.finance_period_files import YUAN_FORMAT, yuan
from distro.money import to_yuan

FILES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The kinds of file a statement downloads as, with their content types (the whole header, charset and all: a
Response's content_type, not its mimetype, to which Flask would add a second charset)."""


def figure_rows(shown: Any) -> list[tuple[str, int]]:
    """The statement's figures with their words: (label, fen), in the order they add up."""
    row = shown.statement
    return [
        (_("期初应付"), row["opening_fen"]),
        (_("本期计提佣金"), row["accrued_fen"]),
        (_("本期冲回佣金"), row["reversed_fen"]),
        (_("本期追回佣金"), row["clawed_back_fen"]),
        (_("本期应付佣金"), row["accrued_fen"] - row["reversed_fen"] - row["clawed_back_fen"]),
        (_("本期已回款"), row["remitted_fen"]),
        (_("本期调账"), row["adjusted_fen"]),
        (_("期末应付"), row["closing_fen"]),
        (_("期后已回款"), row["remitted_since_fen"]),
        (_("未结清"), shown.outstanding_fen),
    ]


def _head(shown: Any) -> list[list[Any]]:
    row = shown.statement
    return [
        [_("供货商"), row["company_name"]],
        [_("供货商编号"), row["supplier_id"]],
        [_("月份"), row["month"].strftime("%Y-%m")],
        [_("到期日"), row["due_on"].isoformat() if row["due_on"] else ""],
        [],
    ]


def statement_csv(shown: Any) -> bytes:
    """The statement as CSV: who and which month, then each figure in yuan."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_head(shown))
    writer.writerow([_("项目"), _("金额（元）")])
    writer.writerows([label, to_yuan(fen)] for label, fen in figure_rows(shown))
    return ("\ufeff" + buffer.getvalue()).encode()


def statement_xlsx(shown: Any) -> bytes:
    """The statement as a workbook of one sheet, amounts as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("对账单")
    for row in _head(shown):
        sheet.append(row)
    sheet.append([_("项目"), _("金额（元）")])
    for label, fen in figure_rows(shown):
        sheet.append([label, yuan(fen)])
        sheet.cell(sheet.max_row, 2).number_format = YUAN_FORMAT
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(shown: Any, kind: str) -> str:
    """The download's file name: distro-statement-<supplier>-<month>.<kind>."""
    row = shown.statement
    return f"distro-statement-{row['supplier_id']}-{row['month'].strftime('%Y-%m')}.{kind}"


def month_header() -> list[str]:
    """The header of a month's statements file."""
    return [
        _("供货商编号"),
        _("供货商"),
        _("月份"),
        _("状态"),
        _("到期日"),
        _("期初应付（元）"),
        _("本期计提佣金（元）"),
        _("本期冲回佣金（元）"),
        _("本期追回佣金（元）"),
        _("本期已回款（元）"),
        _("本期调账（元）"),
        _("期末应付（元）"),
        _("期后已回款（元）"),
        _("未结清（元）"),
        _("逾期天数"),
    ]


_AMOUNTS = (
    "opening_fen",
    "accrued_fen",
    "reversed_fen",
    "clawed_back_fen",
    "remitted_fen",
    "adjusted_fen",
    "closing_fen",
    "remitted_since_fen",
)


def month_rows(shown_rows: Iterable[Any], statuses: Mapping[str, Any]) -> Iterator[list[Any]]:
    """Each statement as a row of the month's file, amounts in yuan as exact numbers."""
    for shown in shown_rows:
        row = shown.statement
        yield [
            row["supplier_id"],
            row["company_name"],
            row["month"].strftime("%Y-%m"),
            str(statuses.get(row["status"], row["status"])),
            row["due_on"].isoformat() if row["due_on"] else "",
            *(yuan(row[key]) for key in _AMOUNTS),
            yuan(shown.outstanding_fen),
            shown.days_overdue,
        ]


def month_csv(rows: Iterable[list[Any]]) -> bytes:
    """A month's statements as CSV, one row per supplier."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(month_header())
    writer.writerows([str(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def month_xlsx(rows: Iterable[list[Any]]) -> bytes:
    """A month's statements as a workbook of one sheet (write-only, for 100,000 suppliers), amounts as numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("对账单"))
    sheet.append(month_header())
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if 5 <= index <= 13:
                cell.number_format = YUAN_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
