"""Supplier dues (对账): monthly statements of the commission a supplier owes, its remittances (maker-checker), and
overdue dues that suspend a supplier by rule."""
