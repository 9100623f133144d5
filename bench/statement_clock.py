"""Time every SQL statement an engine sends, to print where a benchmark's seconds went."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa


class StatementClock:
    """Time every SQL statement an engine sends (and note when the commit starts) while attached."""

    def __init__(self, engine: sa.Engine, label: str, log: Callable[[str], None]) -> None:
        self.engine = engine
        self.label = label
        self.log = log
        self.timings: list[tuple[float, str]] = []
        self.running: str | None = None
        self._started = 0.0
        self.commit_started: float | None = None

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._started = time.perf_counter()
        self.running = " ".join(statement.split())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.timings.append((time.perf_counter() - self._started, self.running or ""))
        self.running = None

    def _commit(self, conn) -> None:
        self.commit_started = time.perf_counter()

    def __enter__(self) -> StatementClock:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        sa.event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)
        sa.event.remove(self.engine, "commit", self._commit)

    def report(self, finished: float) -> None:
        """Print the statements that took 50 ms or more, the commit, and the statement cut off, if any."""
        for seconds, statement in self.timings:
            if seconds >= 0.05:
                self.log(f"{self.label} {seconds:7.2f} s  {statement[:110]}")
        if self.running is not None:
            seconds = finished - self._started
            self.log(f"{self.label} {seconds:7.2f} s  CANCELLED (statement_timeout): {self.running[:400]}")
        elif self.commit_started is not None:
            self.log(f"{self.label} {finished - self.commit_started:7.2f} s  COMMIT")
