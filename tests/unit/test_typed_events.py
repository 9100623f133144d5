"""The order events' msgspec structs (webhooks/typed_events.py) held to the marshmallow schemas, the contract."""

import copy
import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from distro.commission.orders import EVENT_TYPES
from distro.settings import PROJECT_ROOT
from webhooks.receive import check_with_schemas
from webhooks.typed_events import Accepted, accept

MISSING = object()
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1


ALPHABET = st.sampled_from(["a", "中", "😀", "é", " ", '"', "\\", "\n"])


def sized_text(low: int, high: int) -> st.SearchStrategy:
    """Strings of a length from low to high, the bounds most often; some beyond the Basic Multilingual Plane (one
    character, two UTF-16 units)."""
    lengths = st.one_of(st.sampled_from([low, high]), st.integers(low, high))
    return lengths.flatmap(lambda n: st.text(ALPHABET, min_size=n, max_size=n))


def mostly(valid: st.SearchStrategy, invalid: st.SearchStrategy) -> st.SearchStrategy:
    """A value its field accepts, 19 times in 20; else one it may refuse (a body has about 20 fields)."""
    return st.sampled_from([True] * 19 + [False]).flatmap(lambda accepted: valid if accepted else invalid)


WRONG = st.sampled_from([MISSING, None, 1.0, True, [], {}, "1", 1])
"""What a field of another kind refuses (or, for an optional field, may take: MISSING and None)."""


def text(low: int, high: int, *, optional: bool = False) -> st.SearchStrategy:
    """A text field whose length is bounded, around both bounds."""
    valid = st.one_of(sized_text(low, high), st.sampled_from([MISSING, None])) if optional else sized_text(low, high)
    return mostly(valid, st.one_of(sized_text(high + 1, high + 2), sized_text(max(low - 1, 0), low), WRONG))


def whole(low: int, high: int, *, optional: bool = False) -> st.SearchStrategy:
    """A strict integer field with bounds: integers around both, and what a strict one refuses (floats, booleans,
    strings)."""
    inside = st.one_of(st.sampled_from([low, high]), st.integers(low, high))
    valid = st.one_of(inside, st.sampled_from([MISSING, None])) if optional else inside
    beyond = st.sampled_from([low - 1, high + 1, 10**30, -(10**30)])
    bounds = st.sampled_from([low - 1, high + 1])
    outside = st.sampled_from([bounds, bounds, bounds, beyond, st.integers(), WRONG]).flatmap(lambda strategy: strategy)
    return mostly(valid, outside)


INSTANTS = [
    "2026-11-22T08:00:00Z",
    "2026-11-22t08:00:00z",
    "2026-11-22 08:00:00+08:00",
    "2026-11-22T08:00:00.123456789+08:00",
    "2026-11-22T08:00+08:00",
    "2026-11-22T08:00:00",
    "2026-11-22",
    "20261122T080000+0800",
    "1970-01-01T00:00:00+00:00",
    "1969-12-31T23:59:59+00:00",
    "8999-12-31T23:59:59+00:00",
    "9000-01-01T00:00:01+00:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+08:00",
    "2026-02-30T08:00:00+08:00",
    "2026-11-22T08:00:00+25:00",
    "not a time",
    "",
]
instant = mostly(
    st.one_of(
        st.just("2026-11-22T08:00:00+08:00"),
        st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(8999, 12, 31), timezones=st.timezones()).map(
            lambda moment: moment.isoformat()
        ),
    ),
    st.one_of(
        st.sampled_from(INSTANTS),
        WRONG,
        st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda moment: moment.isoformat()),
    ),
)


@st.composite
def record(draw, fields: dict[str, st.SearchStrategy]) -> dict | object:
    """An object with the fields drawn (left out when MISSING); now and then one unknown field, or not an object."""
    shape = draw(st.sampled_from(["object"] * 30 + ["extra", "list", "text"]))
    if shape == "list":
        return []
    if shape == "text":
        return "{}"
    data = {name: value for name, strategy in fields.items() if (value := draw(strategy)) is not MISSING}
    if shape == "extra":
        data[draw(st.sampled_from(["unknown", "Order_id", "type"]))] = 1
    return data


def lines(line: st.SearchStrategy) -> st.SearchStrategy:
    return mostly(
        st.lists(line, min_size=1, max_size=3),
        st.one_of(st.just([]), st.lists(line, min_size=201, max_size=201), WRONG),
    )


def nested(value: st.SearchStrategy) -> st.SearchStrategy:
    return mostly(value, WRONG)


BUYER = record({"reference": text(1, 100), "user_id": whole(1, BIGINT_MAX, optional=True)})
PAID_LINE = record(
    {
        "line_id": text(1, 100),
        "product_id": whole(1, BIGINT_MAX),
        "sku": text(0, 40, optional=True),
        "quantity": whole(1, INTEGER_MAX),
        "paid_fen": whole(0, BIGINT_MAX),
    }
)
REFUND_LINE = record({"line_id": text(1, 100), "amount_fen": whole(1, BIGINT_MAX)})
DATA = {
    "order.paid": record(
        {
            "order_id": text(1, 100),
            "paid_at": instant,
            "buyer": nested(BUYER),
            "share_code": text(0, 40, optional=True),
            "shop": text(0, 30, optional=True),
            "total_paid_fen": whole(0, BIGINT_MAX),
            "lines": lines(PAID_LINE),
        }
    ),
    "order.shipped": record({"order_id": text(1, 100), "shipped_at": instant}),
    "order.delivered": record({"order_id": text(1, 100), "delivered_at": instant}),
    "order.refunded": record(
        {"order_id": text(1, 100), "refund_id": text(1, 100), "refunded_at": instant, "lines": lines(REFUND_LINE)}
    ),
    "order.cancelled": record(
        {"order_id": text(1, 100), "cancelled_at": instant, "reason": text(0, 500, optional=True)}
    ),
}


@st.composite
def bodies(draw) -> bytes:
    """An order event's body: mostly one its schema accepts, or one a field or two away from it."""
    event_type = draw(mostly(st.sampled_from(EVENT_TYPES), st.sampled_from(["order.unknown", "ORDER.PAID", MISSING])))
    data_type = draw(mostly(st.just(event_type), st.sampled_from(EVENT_TYPES)))
    envelope = draw(
        record(
            {
                "type": st.just(event_type),
                "timestamp": mostly(st.sampled_from([MISSING, None, "2026-11-22T08:00:00+08:00", ""]), WRONG),
                "data": nested(DATA.get(data_type, DATA["order.paid"])),
            }
        )
    )
    return json.dumps(envelope, ensure_ascii=draw(mostly(st.just(False), st.just(True)))).encode()


def by_schemas(body: bytes) -> Accepted | None:
    loaded = check_with_schemas(body)
    return loaded if isinstance(loaded, Accepted) else None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_the_structs_accept_exactly_the_bodies_the_schemas_accept_and_keep_the_same_data(body):
    fast, contract = accept(body), by_schemas(body)
    event(f"the schemas {'accept' if contract else 'refuse'}")
    if b"\\u" in body:  # left to the schemas: only an escape can hide a NUL or a lone surrogate
        assert fast is None
    else:
        assert (fast is None) == (contract is None)
    if fast is not None:
        assert fast == contract


def test_an_event_the_schemas_accept_is_accepted_by_the_structs_with_its_data_as_sent():
    data = {
        "order_id": "YJ1",
        "paid_at": "2026-11-22T08:00:00+08:00",
        "buyer": {"reference": "b", "user_id": None},
        "shop": "mei",
        "total_paid_fen": 100,
        "lines": [{"line_id": "1", "product_id": 5, "sku": None, "quantity": 1, "paid_fen": 100}],
    }
    body = json.dumps({"type": "order.paid", "timestamp": None, "data": data}, ensure_ascii=False).encode()
    assert accept(body) == Accepted("order.paid", data, "YJ1") == by_schemas(body)


@pytest.mark.parametrize(
    ("first", "last", "accepted_by_both"),
    [('"A0"', '"A1"', True), ('""', '"A1"', False), ('"A1"', '""', False), ('"A1"', "5", False)],
)
def test_a_repeated_key_is_accepted_by_the_structs_only_as_the_schemas_accept_it_with_the_last_value(
    first, last, accepted_by_both
):
    # json.loads keeps the last value, and so does jsonb; the structs check every one, so they may refuse what the
    # schemas accept (which then decide, as for any refusal), never accept otherwise.
    body = (
        f'{{"type": "order.shipped", "data": {{"order_id": {first}, "order_id": {last}, '
        f'"shipped_at": "2026-11-22T08:00:00+08:00"}}}}'
    ).encode()
    fast = accept(body)
    assert fast is None or fast == by_schemas(body)
    if accepted_by_both:
        assert fast == Accepted("order.shipped", {"order_id": "A1", "shipped_at": "2026-11-22T08:00:00+08:00"}, "A1")
    else:
        assert fast is None


BASES = {
    "order.paid": {
        "order_id": "YJ1",
        "paid_at": "2026-11-22T08:00:00+08:00",
        "buyer": {"reference": "b", "user_id": 7},
        "share_code": "c",
        "shop": "mei",
        "total_paid_fen": 100,
        "lines": [{"line_id": "1", "product_id": 5, "sku": "s", "quantity": 1, "paid_fen": 100}],
    },
    "order.shipped": {"order_id": "YJ1", "shipped_at": "2026-11-22T08:00:00+08:00"},
    "order.delivered": {"order_id": "YJ1", "delivered_at": "2026-11-22T08:00:00+08:00"},
    "order.refunded": {
        "order_id": "YJ1",
        "refund_id": "r1",
        "refunded_at": "2026-11-22T08:00:00+08:00",
        "lines": [{"line_id": "1", "amount_fen": 1}],
    },
    "order.cancelled": {"order_id": "YJ1", "cancelled_at": "2026-11-22T08:00:00+08:00", "reason": "r"},
}
TEXT_BOUNDS = {"share_code": 40, "shop": 30, "sku": 40, "reason": 500}
NUMBER_BOUNDS = {
    "user_id": (1, BIGINT_MAX),
    "total_paid_fen": (0, BIGINT_MAX),
    "product_id": (1, BIGINT_MAX),
    "quantity": (1, INTEGER_MAX),
    "paid_fen": (0, BIGINT_MAX),
    "amount_fen": (1, BIGINT_MAX),
}


def leaves(data: dict, path: tuple = ()):
    """(path, key) of every field of an event's data, in its nested objects and its first line too."""
    for key, value in data.items():
        yield path, key
        if isinstance(value, dict):
            yield from leaves(value, (*path, key))
        elif isinstance(value, list):
            yield from leaves(value[0], (*path, key, 0))


def variants():
    """Each field of each type set to each value at and beyond its bounds, and left out, and null."""
    for event_type, base in BASES.items():
        for path, key in leaves(base):
            if key in NUMBER_BOUNDS:
                low, high = NUMBER_BOUNDS[key]
                values = [low - 1, low, high, high + 1, float(low), True, str(low)]
            elif key.endswith("_at"):
                values = [*INSTANTS, 1]
            elif isinstance(base_value := _at(base, path)[key], str):
                high = TEXT_BOUNDS.get(key, 100)
                values = ["", "中" * high, "😀" * (high + 1), 1]
            else:
                values = [[], {}, "x", [{}] * 201] if isinstance(base_value, list) else ["x", []]
            for value in [*values, None, MISSING]:
                yield pytest.param(event_type, path, key, value, id=f"{event_type}-{'.'.join(map(str, (*path, key)))}")


def _at(data, path):
    for step in path:
        data = data[step]
    return data


@pytest.mark.parametrize(("event_type", "path", "key", "value"), list(variants()))
def test_each_field_at_and_beyond_its_bounds_is_accepted_or_refused_alike(event_type, path, key, value):
    data = copy.deepcopy(BASES[event_type])
    node = _at(data, path)
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    body = json.dumps({"type": event_type, "data": data}, ensure_ascii=False).encode()
    assert accept(body) == by_schemas(body)


FIRST_USE_AT_ONCE = """
import json, sys, threading
from webhooks.typed_events import accept
data = {
    "order_id": "B1",
    "paid_at": "2026-11-22T08:00:00+08:00",
    "buyer": {"reference": "b"},
    "total_paid_fen": 100,
    "lines": [{"line_id": "1", "product_id": 5, "quantity": 1, "paid_fen": 100}],
}
body = json.dumps({"type": "order.paid", "data": data}).encode()
sys.setswitchinterval(1e-6)
barrier = threading.Barrier(8)
def use():
    barrier.wait()
    for _ in range(3):
        assert accept(body) is not None
threads = [threading.Thread(target=use) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def test_threads_using_the_structs_for_the_first_time_at_once_do_not_crash_the_process():
    # msgspec built a struct's type information on first use, and 8 threads doing so at once crashed about a third
    # of fresh processes (a segmentation fault); the module now builds it at import.
    for _ in range(10):
        finished = subprocess.run([sys.executable, "-c", FIRST_USE_AT_ONCE], cwd=PROJECT_ROOT, timeout=60)  # noqa: S603 (our own code)
        assert finished.returncode == 0
