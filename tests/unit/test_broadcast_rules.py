"""The rules of an owner's choice of outside channel and of a fan-out's chunks."""

import pytest

from distro.broadcasts.rules import ChoiceRefused, check_choice, chunk_bounds


def test_an_owner_may_choose_wechat_or_no_outside_channel_without_a_phone():
    check_choice("wechat", phone_verified=False)
    check_choice("none", phone_verified=False)


def test_sms_needs_a_verified_phone():
    with pytest.raises(ChoiceRefused) as refused:
        check_choice("sms", phone_verified=False)
    assert refused.value.rule == "phone"
    check_choice("sms", phone_verified=True)


def test_an_unknown_channel_is_refused():
    with pytest.raises(ChoiceRefused) as refused:
        check_choice("email", phone_verified=True)
    assert refused.value.rule == "unknown"


def test_chunks_run_from_after_zero_to_an_open_last_one_each_id_in_exactly_one():
    bounds = chunk_bounds([3, 7, 12])
    assert bounds == [(0, 3), (3, 7), (7, 12), (12, None)]

    def chunks_of(owner_id: int) -> list[int]:
        return [n for n, (a, t) in enumerate(bounds) if owner_id > a and (t is None or owner_id <= t)]

    assert all(len(chunks_of(owner_id)) == 1 for owner_id in range(1, 50))


def test_no_opted_in_owner_is_one_open_chunk():
    assert chunk_bounds([]) == [(0, None)]
