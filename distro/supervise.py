"""Keep one of `distro run`'s helper processes (worker, cron) running: start it again whenever it dies.

`distro run` supervises web, worker and cron with honcho, which stops everything as soon as one process
ends. A worker killed by the kernel, or a cron that hit a bug, must not take the web server (and the
buyers on it) down with it, so `distro run` starts each helper through this module, which restarts it
with the capped back-off of distro.outages. A stop asked for (honcho's TERM to the process group, or an
INT) is passed on once and ends the supervision with the helper's own exit code.

Run as `python -m distro.supervise worker` (any `distro` command and its options).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from distro import outages

log = logging.getLogger("distro.supervise")

RAN_LONG_ENOUGH_SECONDS = 60.0
"""A helper that ran this long before dying starts again at once: the back-off is for one that keeps dying."""
GRACE_SECONDS = 10.0
"""How long a stop asked for waits for the helper before passing the signal on to it (when it was not sent
to the whole process group, as honcho sends it)."""


def keep_running(argv: Sequence[str], name: str) -> int:
    """Run argv until it exits cleanly or a stop is asked for, starting it again each time it dies; its exit code."""
    stopping: list[int] = []

    def ask_to_stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    delays = outages.waits()
    while True:
        started = time.monotonic()
        child = subprocess.Popen(list(argv))  # noqa: S603 - distro's own command line
        code = _wait(child, stopping)
        if stopping or code == 0:
            return code
        if time.monotonic() - started >= RAN_LONG_ENOUGH_SECONDS:
            delays = outages.waits()
        delay = next(delays)
        log.warning("%s ended with exit code %s; starting it again in %.0f s", name, code, delay)
        time.sleep(delay)
        if stopping:
            return code


def _wait(child: subprocess.Popen, stopping: list[int]) -> int:
    """The child's exit code; once a stop is asked for, the signal is passed on if the child has not heard it."""
    passed_on = False
    asked_at: float | None = None
    while True:
        try:
            return child.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
        if stopping and asked_at is None:
            asked_at = time.monotonic()
        if asked_at is not None and not passed_on and time.monotonic() - asked_at >= GRACE_SECONDS:
            child.send_signal(stopping[0])
            passed_on = True


def main(arguments: Sequence[str]) -> int:
    """Supervise `distro <arguments>`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return keep_running([sys.executable, "-m", "distro.cli", *arguments], name=" ".join(arguments))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
