"""The snapshots' high-water mark (distro/ledger/marks.py:advance): it reaches only ids no transaction still holds."""

from hypothesis import given
from hypothesis import strategies as st

from distro.ledger.marks import Mark, advance

START = Mark(through=0, candidate=0, writers=())


def test_with_nobody_writing_the_mark_reaches_the_last_id_issued():
    assert advance(START, candidate_settled=True, last_issued=40, writing_now=[]) == Mark(40, 40, ())


def test_before_the_first_entry_the_mark_stays_at_zero():
    assert advance(START, candidate_settled=True, last_issued=None, writing_now=[]) == START


def test_while_others_write_the_last_id_issued_only_becomes_the_candidate():
    assert advance(Mark(10, 10, ()), candidate_settled=True, last_issued=40, writing_now=["5/7", "3/2"]) == Mark(
        10, 40, ("3/2", "5/7")
    )


def test_a_candidate_whose_writers_have_ended_becomes_the_mark_even_while_new_ones_write():
    waiting = Mark(10, 40, ("3/2",))
    assert advance(waiting, candidate_settled=True, last_issued=55, writing_now=["4/9"]) == Mark(40, 55, ("4/9",))


def test_a_candidate_whose_writers_still_run_leaves_the_mark_where_it_was():
    waiting = Mark(10, 40, ("3/2",))
    assert advance(waiting, candidate_settled=False, last_issued=55, writing_now=["3/2"]) == Mark(10, 55, ("3/2",))


def test_the_mark_never_goes_back_even_if_the_sequence_reads_lower():
    assert advance(Mark(40, 40, ()), candidate_settled=True, last_issued=12, writing_now=[]) == Mark(40, 40, ())


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.booleans(), st.lists(st.sampled_from(["1/1", "2/1", "3/1"]), max_size=3)),
        max_size=30,
    )
)
def test_the_mark_only_rises_and_never_passes_the_last_id_issued(runs):
    mark, issued = START, 0
    for step, settled, writers in runs:
        issued += step
        moved = advance(mark, candidate_settled=settled, last_issued=issued, writing_now=writers)
        assert mark.through <= moved.through <= issued
        assert moved.through <= moved.candidate <= issued
        if not settled and writers:
            assert moved.through == mark.through
        mark = moved
