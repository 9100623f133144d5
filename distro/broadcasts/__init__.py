"""Broadcasts: one message to every owner (a campaign's start), read by every inbox from one row, and sent on the
outside channel each owner opted into by a chunked fan-out."""
