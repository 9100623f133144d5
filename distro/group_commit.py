"""Group commit: what a process's threads hand in at once is written by one of them in one batch, and each thread
is answered when that batch is written.

A commit costs the database a WAL flush and the client a round trip, whatever it holds. The webhook's requests each
stored one row in a statement of their own; under load several wait at once, and one statement can store them all.
No thread waits for a batch to fill: while one batch is written, the threads that arrive queue, and the first of
them writes them all as the next batch. A lone request is written at once, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class _Waiter(Generic[Item, Outcome]):
    """One thread's item, and what became of it: an outcome, or the error that writing its batch raised."""

    __slots__ = ("_signal", "_woken", "error", "item", "leads", "outcome")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.leads = False  # woken to write the next batch, not because its own was written
        # A lock held from the start and released once, as a one-shot signal: a threading.Event's Condition
        # costs several times more in Python (a tenth of the webhook's CPU went to setting and waiting on them).
        self._signal = threading.Lock()
        self._signal.acquire()
        self._woken = False

    def wake(self) -> None:
        """Wake the waiting thread (once; waking it again does nothing)."""
        if not self._woken:
            self._woken = True
            self._signal.release()

    def wait(self) -> None:
        """Wait until woken."""
        self._signal.acquire()


class GroupCommit(Generic[Item, Outcome]):
    """Hands concurrent threads' items to write_batch in batches of at most max_batch, one batch at a time.

    write_batch returns one outcome per item, in order, or raises: then every item of the batch raises the same
    error to its own thread. An outcome that is an exception is raised to its item's thread alone.
    """

    def __init__(self, write_batch: Callable[[Sequence[Item]], Sequence[Outcome]], *, max_batch: int = 200) -> None:
        self.write_batch = write_batch
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Item, Outcome]] = []
        self._writing = False  # a thread is writing a batch; it hands the next one to the first waiting

    def submit(self, item: Item) -> Outcome:
        """Write item with whatever else is waiting; its outcome once its batch is written (or the batch's error)."""
        waiter: _Waiter[Item, Outcome] = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            leads = not self._writing
            self._writing = True
        if not leads:
            waiter.wait()
            if not waiter.leads:
                return self._result(waiter)
        # This thread is first in the queue: it writes the next batch, its own item in it. First it lets the other
        # threads run until each blocks (on its own I/O, or queued here): those that were about to hand in join
        # this batch rather than wait for it.
        time.sleep(0)
        try:
            with self._lock:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            self._write(batch)
        finally:
            with self._lock:
                if self._queue:
                    following = self._queue[0]
                    following.leads = True
                    following.wake()
                else:
                    self._writing = False
        return self._result(waiter)

    def _write(self, batch: list[_Waiter[Item, Outcome]]) -> None:
        try:
            outcomes = list(self.write_batch([waiter.item for waiter in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
        except BaseException as error:  # every waiting thread must wake, whatever went wrong
            for waiter in batch:
                waiter.error = error
                waiter.leads = False
                waiter.wake()
            return
        for waiter, outcome in zip(batch, outcomes, strict=True):  # as many: checked above
            waiter.outcome = outcome
            waiter.leads = False
            waiter.wake()

    @staticmethod
    def _result(waiter: _Waiter[Item, Outcome]) -> Outcome:
        if waiter.error is not None:
            raise waiter.error
        if isinstance(waiter.outcome, BaseException):
            raise waiter.outcome
        return waiter.outcome  # type: ignore[return-value]
