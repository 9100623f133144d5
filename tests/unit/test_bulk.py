"""A batch's arrays in binary format (distro/bulk.py): the joined dumper writes the bytes psycopg's own writes."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListBinaryDumper

from distro.bulk import JoinedListBinaryDumper


def dumped(dumper_class, values):
    transformer = Transformer()
    transformer.adapters.register_dumper(list, dumper_class)
    dumper = transformer.get_dumper(values, PyFormat.BINARY)
    return bytes(dumper.dump(values)), dumper.oid


@given(
    st.one_of(
        st.lists(st.integers(-(2**63), 2**63 - 1)),
        st.lists(st.integers(0, 40_000)),
        st.lists(st.text()),
        st.lists(st.one_of(st.none(), st.text())),
        st.lists(st.one_of(st.none(), st.integers(-5, 5))),
        st.lists(st.booleans()),
        st.lists(st.datetimes(timezones=st.just(dt.UTC))),
        st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=2)),
        st.lists(st.lists(st.integers(), min_size=2, max_size=2), min_size=1),
        st.lists(st.none()),
    )
)
def test_every_array_is_dumped_to_the_same_bytes_and_type_as_psycopg_dumps_it(values):
    assert dumped(JoinedListBinaryDumper, values) == dumped(ListBinaryDumper, values)


def test_an_array_of_strings_is_joined_with_each_length_before_its_utf8_bytes():
    data, _ = dumped(JoinedListBinaryDumper, ["中", ""])
    assert data.endswith(b"\x00\x00\x00\x03" + "中".encode() + b"\x00\x00\x00\x00")
