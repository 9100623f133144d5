"""Payment files for a batch: CSV and XLSX with payee details and amounts in yuan (two decimals)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
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


def payouts_xlsx(batch_id: int, payouts: Sequence[Any]) -> bytes:
    """The batch's payouts as an XLSX workbook, totals last; accounts and amounts kept as text (no float)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"batch {batch_id}"
    sheet.append(HEADER)
    for row in _rows(batch_id, payouts):
        sheet.append([str(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class UnreadableResults(ValueError):
    """A bank result file that cannot be read as one; the message says why, and on which line."""


RESULT_COLUMNS = ("payout_id", "status")
"""The columns a result file must have (external_reference and reason may be left out)."""


def parse_results_csv(data: bytes) -> list[dict[str, Any]]:
    """Rows of a bank result file (UTF-8, with or without BOM) as results: payout_id as an int, status,
    external_reference and reason (None when blank). UnreadableResults for a file that is not UTF-8 text, lacks a
    payout_id or status column, has a payout id that is not a whole number, or a cell longer than 128 KiB."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableResults(f"not UTF-8 text (byte {error.start}): save it as CSV, UTF-8") from error
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        missing = [
            column for column in RESULT_COLUMNS if column not in {name.strip() for name in reader.fieldnames or ()}
        ]
        if missing:
            raise UnreadableResults(f"no {' or '.join(missing)} column in the header row")
        for raw in reader:
            row = {key.strip(): (value or "").strip() for key, value in raw.items() if isinstance(key, str)}
            try:
                payout_id = int(row["payout_id"])
            except ValueError as error:
                raise UnreadableResults(f"line {reader.line_num}: the payout_id is not a whole number") from error
            rows.append(
                {
                    "payout_id": payout_id,
                    "status": row["status"],
                    "external_reference": row.get("external_reference") or None,
                    "reason": row.get("reason") or None,
                }
            )
    except csv.Error as error:  # a cell over csv's field_size_limit (128 KiB)
        # The DictReader's own line_num counts rows it gave; its reader's counts the line that failed too.
        raise UnreadableResults(f"line {reader.reader.line_num}: {error}") from error
    return rows
