"""How long an answer about a share code is trusted, kept, and fallen back on (distro/share/targets.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distro.share.targets import FRESH_SECONDS, Answer, LinkTarget, decode, encode, newest

TARGET = LinkTarget(17, "xiaomei", 5)


def test_an_answer_is_trusted_for_a_minute_after_postgresql_gave_it():
    answer = Answer(TARGET, read_at=1_000.0)
    assert answer.fresh(1_000.0) and answer.fresh(1_000.0 + FRESH_SECONDS - 0.001)
    assert not answer.fresh(1_000.0 + FRESH_SECONDS)


def test_an_outage_falls_back_on_the_newest_answer_at_hand():
    older, newer = Answer(TARGET, 100.0), Answer(LinkTarget(17, "xiaomei", None), 200.0)
    assert newest(older, newer) == newest(newer, older) == newer
    assert newest(None, older) == older
    assert newest(None, None) is None


def test_a_newer_answer_that_leads_nowhere_wins_over_an_older_one_that_led_somewhere():
    closed = Answer(None, 200.0)  # the shop closed after the link was first followed
    assert newest(Answer(TARGET, 100.0), closed) == closed


def test_an_answer_leading_nowhere_is_not_kept_in_redis():
    with pytest.raises(ValueError, match="lead somewhere"):
        encode(Answer(None, 1.0))


answers = st.builds(
    Answer,
    st.builds(
        LinkTarget,
        st.integers(min_value=1, max_value=2**63 - 1),
        st.text(min_size=1, max_size=30),
        st.none() | st.integers(min_value=1, max_value=2**63 - 1),
    ),
    st.floats(min_value=0, max_value=4e9, allow_nan=False),
)


@given(answers)
def test_an_answer_reads_back_from_redis_as_it_was_written(answer):
    assert decode(encode(answer)) == answer


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"{}",
        b"[1, 2]",
        b'[1, "s", null]',
        b'["1", "s", null, 5]',
        b'[1, "s", true, 5]',
        b'[true, "s", null, 5]',
        b"[1, 2, null, 5]",
        b'[1, "s", null, "5"]',
        b'[1, "s", null, NaN]',
        b"\xff",
    ],
)
def test_what_redis_holds_that_is_not_an_answer_is_none(raw):
    assert decode(raw) is None
