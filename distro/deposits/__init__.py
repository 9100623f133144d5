"""保证金: the deposit each supplier holds with the platform, in the ledger (paid in, drawn, topped up, returned)."""
