"""Payment files for a batch: CSV and XLSX with payee details and amounts in yuan (two decimals); a batch's
reconciliation as a table (CSV and XLSX) for finance to keep."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from distro.money import to_yuan

HEADER = [
    "batch_id",
    "payout_id",
    "shop_id",
    "shop_name",
    "owner_name",
    "payee_kind",
    "payee_name",
    "payee_account",
    "bank_name",
    "amount_yuan",
    "status",
]


def _rows(batch_id: int, payouts: Sequence[Any]) -> list[list[Any]]:
    rows = [
        [
            batch_id,
            row.Payout.id,
            row.Payout.shop_id,
            row.shop_name,
            row.owner_name,
            row.kind or "",
            row.account_name or "",
            row.account_number or "",
            row.bank_name or "",
            to_yuan(row.Payout.amount_fen),
            row.Payout.status,
        ]
        for row in payouts
    ]
    total = sum(row.Payout.amount_fen for row in payouts)
    rows.append([batch_id, "TOTAL", "", "", "", "", "", "", "", to_yuan(total), f"{len(payouts)} payouts"])
    return rows


def payouts_csv(batch_id: int, payouts: Sequence[Any]) -> bytes:
    """The batch's payouts as UTF-8 CSV (with a BOM, so spreadsheet programs read the Chinese), totals last."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(_rows(batch_id, payouts))
    return ("\ufeff" + buffer.getvalue()).encode()


AMOUNT_COLUMN = HEADER.index("amount_yuan")
ID_COLUMNS = frozenset(HEADER.index(name) for name in ("batch_id", "payout_id", "shop_id"))


def _cell(column: int, value: Any) -> Any:
    """A payment file's value as a spreadsheet cell: ids whole numbers, amounts exact decimals (never a float),
    everything else text (an account number keeps its leading zeros and every digit)."""
    if column == AMOUNT_COLUMN:
        return Decimal(value)
    if column in ID_COLUMNS and isinstance(value, int):
        return value
    return str(value)


def _workbook(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], amount_columns: set[int]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for column in amount_columns:  # shown with two decimals, as the bank and finance read them
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = "0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def payouts_xlsx(batch_id: int, payouts: Sequence[Any]) -> bytes:
    """The batch's payouts as an XLSX workbook, totals last: ids and amounts as numbers (amounts exact, shown with
    two decimals), accounts as text."""
    rows = [[_cell(column, value) for column, value in enumerate(row)] for row in _rows(batch_id, payouts)]
    return _workbook(f"batch {batch_id}", HEADER, rows, {AMOUNT_COLUMN})


RECONCILIATION_HEADER = ["batch_id", "section", "figure", "amount_yuan"]


def reconciliation_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    """A batch's reconciliation (queries.reconciliation) as rows: each figure in fen of each section in yuan,
    whether each section ties out, and what each supplier owes."""
    batch_id = report["batch_id"]
    rows: list[list[Any]] = []
    sections = {"computed": report["computed"] or {}, "results": report["results"], "ledger": report["ledger"]}
    for section, figures in sections.items():
        for name, value in figures.items():
            if name.endswith("_fen") and isinstance(value, int):
                rows.append([batch_id, section, name.removesuffix("_fen"), Decimal(to_yuan(value))])
        if "ties_out" in figures:
            rows.append([batch_id, section, "ties_out", "yes" if figures["ties_out"] else "no"])
    for owed in sections["computed"].get("owed_by_supplier", []):
        rows.append(
            [batch_id, "owed_by_supplier", f"supplier {owed['supplier_id']}", Decimal(to_yuan(owed["owed_fen"]))]
        )
    rows.append([batch_id, "batch", "ties_out", {True: "yes", False: "no", None: "not computed"}[report["ties_out"]]])
    return rows


def reconciliation_csv(report: Mapping[str, Any]) -> bytes:
    """The reconciliation as UTF-8 CSV with a BOM, amounts in yuan with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RECONCILIATION_HEADER)
    writer.writerows(reconciliation_rows(report))
    return ("\ufeff" + buffer.getvalue()).encode()


def reconciliation_xlsx(report: Mapping[str, Any]) -> bytes:
    """The reconciliation as an XLSX workbook, amounts as exact numbers shown with two decimals."""
    amount = RECONCILIATION_HEADER.index("amount_yuan")
    return _workbook(
        f"reconciliation {report['batch_id']}", RECONCILIATION_HEADER, reconciliation_rows(report), {amount}
    )


class UnreadableResults(ValueError):
    """A bank result file that cannot be read as one: why (reason, one of UNREADABLE_REASONS), on which line, and
    the missing columns or the offending byte; str() says it in English, as the API shows it, and a page says it
    in its own words from these."""

    def __init__(
        self, reason: str, *, line: int = 0, columns: tuple[str, ...] = (), byte: int = 0, detail: str = ""
    ) -> None:
        self.reason, self.line, self.columns, self.byte = reason, line, columns, byte
        said = {
            "not_utf8": f"not UTF-8 text (byte {byte}): save it as CSV, UTF-8",
            "no_columns": f"no {' or '.join(columns)} column in the header row",
            "not_whole_number": f"line {line}: the payout_id is not a whole number",
            "bad_line": f"line {line}: {detail}",
        }
        super().__init__(said[reason])


UNREADABLE_REASONS = ("not_utf8", "no_columns", "not_whole_number", "bad_line")
"""Why a result file cannot be read: not UTF-8, a column missing from the header row, a payout id that is not a
whole number, a line csv cannot read (a cell over 128 KiB, a stray carriage return)."""


RESULT_COLUMNS = ("payout_id", "status")
"""The columns a result file must have (external_reference and reason may be left out)."""


def parse_results_csv(data: bytes) -> list[dict[str, Any]]:
    """Rows of a bank result file (UTF-8, with or without BOM) as results: payout_id as an int, status,
    external_reference and reason (None when blank). UnreadableResults for a file that is not UTF-8 text, lacks a
    payout_id or status column, has a payout id that is not a whole number, or a line csv cannot read (a cell
    longer than 128 KiB, a carriage return outside quotes)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableResults("not_utf8", byte=error.start) from error
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        missing = [
            column for column in RESULT_COLUMNS if column not in {name.strip() for name in reader.fieldnames or ()}
        ]
        if missing:
            raise UnreadableResults("no_columns", columns=tuple(missing))
        for raw in reader:
            row = {key.strip(): (value or "").strip() for key, value in raw.items() if isinstance(key, str)}
            try:
                payout_id = int(row["payout_id"])
            except ValueError as error:
                raise UnreadableResults("not_whole_number", line=reader.line_num) from error
            rows.append(
                {
                    "payout_id": payout_id,
                    "status": row["status"],
                    "external_reference": row.get("external_reference") or None,
                    "reason": row.get("reason") or None,
                }
            )
    except csv.Error as error:  # a cell over csv's field_size_limit (128 KiB), a lone \r outside quotes
        # The DictReader's own line_num counts rows it gave; its reader's counts the line that failed too.
        raise UnreadableResults("bad_line", line=reader.reader.line_num, detail=str(error)) from error
    return rows
