"""Group commit (activities/group_commit.py) on both databases: writes that queue while one
commits share the next transaction, an answer means committed, and a write that fails fails
only its own caller."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.group_commit import GroupCommit, one_by_one


def _probe_table(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE gc_probe (v VARCHAR(20) NOT NULL)"))


def _committed(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(row[0] for row in conn.execute(text("SELECT v FROM gc_probe")))


class HeldWriter:
    """A GroupCommit whose write of "first" holds its transaction open until released, so the
    test can queue writes behind it; a write of "bad" fails."""

    def __init__(self, engine) -> None:
        _probe_table(engine)
        self.first_in, self.release = threading.Event(), threading.Event()
        self.transactions: dict[str, object] = {}  # kept alive, so their ids stay distinct
        self.writes = GroupCommit(engine, one_by_one(self._write), name="test-writer")

    def _write(self, conn: Connection, v: str) -> None:
        if v == "bad":
            raise ValueError("this one cannot be written")
        self.transactions[v] = conn.get_transaction()
        conn.execute(text("INSERT INTO gc_probe (v) VALUES (:v)"), {"v": v})
        if v == "first":
            self.first_in.set()
            self.release.wait(timeout=10)

    async def behind_first(self, values: list[str]) -> list[object]:
        """Submit "first", then `values` while its commit is held; every outcome, in order."""
        first = asyncio.create_task(self.writes.submit("first"))
        await asyncio.to_thread(self.first_in.wait, 10)
        queued = [asyncio.create_task(self.writes.submit(v)) for v in values]
        while self.writes._queue.qsize() < len(values):  # all in line while the first is held
            await asyncio.sleep(0.001)
        assert not any(task.done() for task in queued)
        self.release.set()
        return await asyncio.gather(first, *queued, return_exceptions=True)


async def test_writes_queued_behind_a_commit_share_the_next_transaction(any_engine):
    held = HeldWriter(any_engine)
    queued = [f"queued-{i}" for i in range(5)]
    assert await held.behind_first(queued) == [None] * 6

    assert _committed(any_engine) == ["first", *queued]
    assert len({id(held.transactions[v]) for v in queued}) == 1
    assert held.transactions["queued-0"] is not held.transactions["first"]


async def test_a_failing_write_fails_its_own_caller_only(any_engine):
    held = HeldWriter(any_engine)
    # queued together, so they meet in one transaction, which the bad one fails
    outcomes = await held.behind_first(["a", "bad", "c"])

    assert outcomes[0] is None and outcomes[1] is None and outcomes[3] is None
    assert isinstance(outcomes[2], ValueError)
    assert _committed(any_engine) == ["a", "c", "first"]


class _Fatal(BaseException):
    """Not an Exception: what kills a thread (as SystemExit would)."""


async def test_a_write_that_would_kill_the_writer_fails_alone_and_the_writer_goes_on(any_engine):
    _probe_table(any_engine)

    def write(conn: Connection, v: str) -> None:
        if v == "fatal":
            raise _Fatal
        conn.execute(text("INSERT INTO gc_probe (v) VALUES (:v)"), {"v": v})

    writes = GroupCommit(any_engine, one_by_one(write), name="test-writer")
    with pytest.raises(RuntimeError, match="test-writer: _Fatal"):
        await asyncio.wait_for(writes.submit("fatal"), timeout=10)
    await asyncio.wait_for(writes.submit("after"), timeout=10)
    assert _committed(any_engine) == ["after"]
