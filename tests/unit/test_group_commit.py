"""Group commit (distro/group_commit.py): threads' items written in batches, each thread answered with its own."""

import threading
import time

import pytest

from distro.group_commit import GroupCommit


def test_a_lone_item_is_written_at_once_in_a_batch_of_its_own():
    batches = []
    writer = GroupCommit(lambda items: batches.append(list(items)) or [item * 2 for item in items])
    assert writer.submit(21) == 42
    assert batches == [[21]]


def test_items_handed_in_while_a_batch_is_written_go_together_in_the_next_and_each_thread_gets_its_own_outcome():
    first_batch_started = threading.Event()
    release_first_batch = threading.Event()
    batches: list[list[int]] = []

    def write(items):
        batches.append(list(items))
        if len(batches) == 1:
            first_batch_started.set()
            release_first_batch.wait(10)
        return [f"outcome {item}" for item in items]

    writer = GroupCommit(write)
    outcomes: dict[int, str] = {}

    def submit(item: int) -> None:
        outcomes[item] = writer.submit(item)

    leader = threading.Thread(target=submit, args=(0,))
    leader.start()
    first_batch_started.wait(10)
    followers = [threading.Thread(target=submit, args=(item,)) for item in range(1, 6)]
    for thread in followers:
        thread.start()
    deadline = time.monotonic() + 10
    while len(writer._queue) < 5 and time.monotonic() < deadline:
        time.sleep(0.001)
    release_first_batch.set()
    for thread in [leader, *followers]:
        thread.join(10)
    assert batches[0] == [0] and sorted(batches[1]) == [1, 2, 3, 4, 5] and len(batches) == 2
    assert outcomes == {item: f"outcome {item}" for item in range(6)}


def test_a_batch_that_fails_raises_its_error_in_every_thread_of_the_batch_and_the_next_batch_is_written():
    calls = []

    def write(items):
        calls.append(list(items))
        if items[0] == "bad":
            raise ConnectionError("the database is away")
        return ["stored"] * len(items)

    writer = GroupCommit(write)
    with pytest.raises(ConnectionError, match="away"):
        writer.submit("bad")
    assert writer.submit("good") == "stored"


def test_an_outcome_that_is_an_error_is_raised_in_its_own_thread_alone():
    writer = GroupCommit(lambda items: [ValueError(item) if item < 0 else item for item in items])
    with pytest.raises(ValueError, match="-1"):
        writer.submit(-1)
    assert writer.submit(1) == 1


def test_many_threads_at_once_each_get_their_own_outcome_and_no_batch_is_larger_than_allowed():
    sizes = []

    def write(items):
        sizes.append(len(items))
        time.sleep(0.001)
        return [item + 1000 for item in items]

    writer = GroupCommit(write, max_batch=4)
    outcomes: dict[int, int] = {}
    threads = [threading.Thread(target=lambda n=n: outcomes.__setitem__(n, writer.submit(n))) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {n: n + 1000 for n in range(64)}
    assert sum(sizes) == 64 and max(sizes) <= 4
