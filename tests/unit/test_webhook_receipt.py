"""The webhook's 200 body (webhooks/receive.py:Receipt), written without Flask, as Flask's jsonify writes it."""

import json

from hypothesis import given
from hypothesis import strategies as st

from webhooks.receive import Receipt


@given(st.text(), st.sampled_from(["stored", "duplicate"]))
def test_a_receipt_is_written_byte_for_byte_as_json_dumps_writes_it(event_id, status):
    expected = json.dumps({"id": event_id, "status": status}, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert Receipt(event_id, status).body() == expected.encode()
