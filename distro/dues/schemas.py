"""Response schema of the dues API: a statement finance sent a supplier, its figures and what it still asks for."""

from __future__ import annotations

from marshmallow import Schema, fields

from distro.api import fen


class SupplierStatementSchema(Schema):
    id = fields.Integer(dump_only=True)
    month = fields.Date(dump_only=True, metadata={"description": "The month's first day (Asia/Shanghai)."})
    starts_at = fields.DateTime(dump_only=True, metadata={"description": "The month's start (Asia/Shanghai midnight)."})
    ends_at = fields.DateTime(dump_only=True, metadata={"description": "The next month's start: the month's end."})
    opening_fen = fen("what the supplier owed at the month's start.")
    accrued_fen = fen("commission accrued on its goods in the month.")
    reversed_fen = fen("commission reversed in the month (lines withdrawn before a settlement batch claimed them).")
    clawed_back_fen = fen("commission clawed back in the month (lines withdrawn after a batch claimed them).")
    remitted_fen = fen("what it remitted in the month (approved remittances).")
    adjusted_fen = fen("finance's adjustments and reversals on its account in the month.")
    closing_fen = fen(
        "what it owed at the month's end: opening + accrued - reversed - clawed_back - remitted + adjusted."
    )
    sent_at = fields.DateTime(dump_only=True)
    due_on = fields.Date(dump_only=True, metadata={"description": "The day (Asia/Shanghai) it is due."})
    outstanding_fen = fen("what it still asks for: closing less what the supplier remitted after the month (≥ 0).")
    days_overdue = fields.Integer(
        dump_only=True, metadata={"description": "Days past due_on with money outstanding; 0 when paid or not due."}
    )
