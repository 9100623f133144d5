"""The RQ worker the integration tests run jobs with: in this process, leaving without joining its listener."""

from __future__ import annotations

from rq import SimpleWorker

from distro.worker import ListenerNotJoined


class BurstWorker(ListenerNotJoined, SimpleWorker):
    """RQ's SimpleWorker (jobs in this process, no fork) that stops at once when its burst is done.

    RQ's own joins its command listener, which polls Redis with a wait of up to a minute: a test running a
    burst sat that out at random (61 s where the work took 0.4 s).
    """
