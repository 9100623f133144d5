"""Where a read that may be stale goes: the replica when one is set and did not just refuse, else the primary."""

from __future__ import annotations

from distro.db import REPLICA_RETRY_SECONDS, ReplicaReads, use_replica


def test_without_a_replica_every_read_goes_to_the_primary():
    assert not use_replica("", down_until=0.0, now=100.0)


def test_a_replica_set_and_answering_takes_the_reads():
    assert use_replica("postgresql+psycopg://r/distro", down_until=0.0, now=100.0)


def test_a_replica_that_just_refused_is_left_alone_until_its_wait_is_over():
    url = "postgresql+psycopg://r/distro"
    assert not use_replica(url, down_until=105.0, now=100.0)
    assert use_replica(url, down_until=105.0, now=105.0)


def test_no_replica_set_gives_no_replica_session():
    assert ReplicaReads("").session() is None


def test_a_replica_refusing_connections_gives_the_primary_and_is_not_asked_again_at_once(caplog):
    reads = ReplicaReads("postgresql+psycopg://nobody@127.0.0.1:1/distro")
    assert reads.session() is None
    assert "read replica does not answer" in caplog.text
    assert reads.down_until > 0
    caplog.clear()
    assert reads.session() is None
    assert caplog.text == ""
    assert REPLICA_RETRY_SECONDS <= 30
