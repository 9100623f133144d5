"""Request bodies parsed as JSON within bounds (distro/untrusted_json.py)."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distro.untrusted_json import MAX_DEPTH, MAX_NUMBER_LENGTH, JSONRefused, loads


def nested(depth: int, inner: str = "1") -> str:
    """An array nested depth levels deep, arrays and objects in turn."""
    text = inner
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"a":{text}}}'
    return text


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


def test_nesting_as_deep_as_the_bound_parses_and_one_level_more_is_refused():
    assert depth_of(loads(nested(MAX_DEPTH))) == MAX_DEPTH
    with pytest.raises(JSONRefused, match=f"nest deeper than {MAX_DEPTH} levels"):
        loads(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "body",
    [
        "[" * 500 + "]" * 500,  # about 1 KB: the probe that was a 500
        '{"a":' * 500 + "1" + "}" * 500,
        "[" * 100_000,  # never closed: json.loads would recurse until it failed
        "[" * 40 + "]",
        '{"data": ' + "[" * 600 + '"x"' + "]" * 600 + "}",
    ],
)
def test_deep_nesting_is_refused_before_it_is_parsed_never_a_recursion_error(body):
    with pytest.raises(JSONRefused) as refused:
        loads(body.encode())
    assert str(refused.value) == f"arrays and objects nest deeper than {MAX_DEPTH} levels"


def test_brackets_inside_strings_are_text_not_nesting():
    text = json.dumps({"note": "[" * 200 + '"{' * 50, "lines": [{"id": str(n)} for n in range(100)]})
    assert loads(text) == json.loads(text)


def test_brackets_that_do_not_match_are_not_json_rather_than_too_deep():
    for body in ["]" * 40, "[" * 20 + "}" * 40, '["' + "[" * 50]:
        with pytest.raises(json.JSONDecodeError) as error:
            loads(body)
        assert not isinstance(error.value, JSONRefused)


@pytest.mark.parametrize(
    "number",
    ["1" * 4_301, "-" + "9" * MAX_NUMBER_LENGTH, "1." + "0" * MAX_NUMBER_LENGTH, "1e" + "0" * MAX_NUMBER_LENGTH],
)
def test_a_number_longer_than_the_bound_is_refused_however_it_is_written(number):
    with pytest.raises(JSONRefused, match=f"a number has more than {MAX_NUMBER_LENGTH} characters"):
        loads(f'{{"password": {number}}}')


def test_a_number_as_long_as_the_bound_is_left_for_the_schema_to_judge():
    assert loads("9" * MAX_NUMBER_LENGTH) == int("9" * MAX_NUMBER_LENGTH)


@pytest.mark.parametrize("body", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e999", "[-1e400]"])
def test_numbers_no_float_holds_are_refused(body):
    with pytest.raises(JSONRefused):
        loads(body)


def test_bytes_that_are_not_utf8_are_not_json():
    with pytest.raises(json.JSONDecodeError, match="not UTF-8"):
        loads(b'{"name": "\xff"}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=60,
)


@given(json_values)
def test_any_json_within_the_bounds_parses_as_json_loads_parses_it(value):
    text = json.dumps(value)
    if depth_of(value) <= MAX_DEPTH and all(len(token) <= MAX_NUMBER_LENGTH for token in text.split()):
        assert loads(text) == json.loads(text)
        assert loads(text.encode()) == json.loads(text)
