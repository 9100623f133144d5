"""How far the balance snapshots may reach (pure): the high-water mark of entries that can no longer appear below it.

Entry ids come from a sequence when a row is inserted, but transactions commit in their own order: a transaction
may hold id 100 uncommitted while id 101 is already committed and visible. A snapshot through 101 would then miss
100 for ever. So the mark only moves to a sequence value read while nobody else was writing entries, or to one
read earlier whose writers (the transactions holding the entries table's write lock just after it was read) have
all ended since: every id issued up to that value then belongs to a committed transaction or to none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """Snapshots hold every entry with id ≤ through; candidate becomes the mark once writers have all ended."""

    through: int
    candidate: int
    writers: tuple[str, ...]


def advance(mark: Mark, *, candidate_settled: bool, last_issued: int | None, writing_now: Collection[str]) -> Mark:
    """The mark after a run that found the candidate's writers ended (or not), the entry sequence at last_issued
    (None before its first id) and then, read after it, the transactions writing entries (writing_now).

    A settled candidate becomes the mark; the sequence value read now becomes the mark at once if nobody was
    writing, or the next candidate, waiting for the transactions writing now, otherwise. The mark never goes back.
    """
    through = max(mark.through, mark.candidate) if candidate_settled else mark.through
    issued = max(last_issued or 0, through)
    if not writing_now:
        return Mark(issued, issued, ())
    return Mark(through, issued, tuple(sorted(set(writing_now))))
