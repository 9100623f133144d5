"""JSON from outside, parsed within bounds (pure): what every request body distro reads as JSON goes through.

Python's json module parses what RFC 8259 allows, and some of it breaks what comes after: 500 nested brackets
exhaust the recursion of the parser and of every walk over the result (a RecursionError, a 500), an integer of
more than 4,300 digits is a ValueError Python raises mid-parse, and `1e999`, `Infinity` or `NaN` become floats
that marshmallow's Integer cannot convert (an OverflowError). So a body nested deeper than MAX_DEPTH, or holding a
number longer than MAX_NUMBER_LENGTH characters or one no float can hold, is refused before or while parsing,
with a message naming what was refused; nothing distro accepts comes near either bound.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
"""The deepest nesting of arrays and objects accepted (distro's deepest body, an order event, nests 4 levels)."""
MAX_NUMBER_LENGTH = 100
"""The most characters a number may have: a bigint has 19 digits, so schemas still name the field of a number too
large for it (a 422), and Python never converts a long digit string (its cost grows with the square)."""

# A string (its end optional, so that an unterminated one is consumed once and the scan stays linear), or a run of
# anything but brackets and quotes: what is left when both are removed is the shape of the nesting.
_NOT_A_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[^\[\]{}"]+', re.DOTALL)
_ROUND = str.maketrans("[]{}", "()()")


class JSONRefused(json.JSONDecodeError):
    """JSON that distro will not parse (too deep, a number too long or out of range): a JSONDecodeError, so that
    whatever handles a body that is not JSON handles it. Its message says what was refused, and nothing more:
    where is not known for every refusal."""

    def __init__(self, msg: str, doc: str) -> None:
        super().__init__(msg, doc, 0)
        self.args = (msg,)


def loads(data: bytes | str) -> Any:
    """Parse a request body as JSON (bytes must be UTF-8), within MAX_DEPTH and MAX_NUMBER_LENGTH.

    Raises json.JSONDecodeError for a body that is not JSON (bytes that are not UTF-8 too), JSONRefused for one
    beyond a bound. Flask's Request uses this module as its json_module, hence json.loads' name.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError(f"not UTF-8 ({error.reason})", repr(data[:64]), error.start) from error
    else:
        text = data
    _refuse_deep_nesting(text)
    return json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_not_a_number)


def _refuse_deep_nesting(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # too few brackets to nest too deep, whatever they are: the common case, at C speed
    shape = _NOT_A_BRACKET.sub("", text).translate(_ROUND)
    # Each pass takes out the innermost pairs: a pair still there after MAX_DEPTH passes is nested deeper.
    for _ in range(MAX_DEPTH + 1):
        fewer = shape.replace("()", "")
        if len(fewer) == len(shape):
            break  # no pair left: nothing, or brackets that do not match, ")))((("
        shape = fewer
    else:
        raise JSONRefused(f"arrays and objects nest deeper than {MAX_DEPTH} levels", text)
    if shape.count("(") > MAX_DEPTH:  # never closed, but nested all the same
        raise JSONRefused(f"arrays and objects nest deeper than {MAX_DEPTH} levels", text)
    # Otherwise the brackets do not match, within 2 × MAX_DEPTH levels: json.loads says where, recursing no deeper.


def _bounded_int(number: str) -> int:
    _refuse_long(number)
    return int(number)


def _bounded_float(number: str) -> float:
    _refuse_long(number)
    value = float(number)
    if not math.isfinite(value):
        raise JSONRefused(f"the number {number} is beyond what a float holds", number)
    return value


def _refuse_long(number: str) -> None:
    if len(number) > MAX_NUMBER_LENGTH:
        raise JSONRefused(f"a number has more than {MAX_NUMBER_LENGTH} characters ({number[:20]}…)", number)


def _not_a_number(name: str) -> None:
    raise JSONRefused(f"{name} is not a JSON number", name)
