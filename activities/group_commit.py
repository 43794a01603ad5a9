"""Group commit: writes that arrive together share one transaction.

Every update of every case projects the case into the read model (activities/records.py). One
transaction each meant one WAL flush each, and one thread of the activity pool woken for each:
in `ruji bench orchestration` the projections were ~40 % of the whole stack's cost (without them
apps/s went from 8.5 to 13.7; a projection activity that returned at once, 11.1). Here an async
activity hands its write to one writer thread and waits for the commit that carries it; the
writer takes whatever has queued meanwhile into the same transaction. Nothing is acknowledged
before it is committed, so a projection is as durable as before when its activity returns.

The writes of a transaction are handed to the writer function together, so it can make them in a
few statements for the whole batch (`RecordActivities._write_all`) instead of a few per write.
A transaction that fails is tried again one write at a time, so a write that cannot be made fails
its own activity only (and is retried by it), never the others that happened to share it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

T = TypeVar("T")

#: most writes in one transaction: a bound on how long the first one waits for the last
MAX_BATCH = 64

_Waiting = tuple[T, asyncio.Future[None], asyncio.AbstractEventLoop]
_Settled = list[tuple[asyncio.Future[None], BaseException | None]]


Write = Callable[[Connection, Sequence[T]], None]


def one_by_one(write: Callable[[Connection, T], None]) -> Write[T]:
    """A batch writer from a writer of one item."""

    def each(conn: Connection, items: Sequence[T]) -> None:
        for item in items:
            write(conn, item)

    return each


class GroupCommit(Generic[T]):
    """`await writes.submit(item)` returns once `write(conn, [..., item, ...])` is committed."""

    def __init__(self, engine: Engine, write: Write[T], name: str) -> None:
        self.engine = engine
        self.write = write
        self.name = name
        self._queue: queue.SimpleQueue[_Waiting[T]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def submit(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((item, done, loop))
        self._ensure_writer()
        await done

    def _ensure_writer(self) -> None:
        """Started at the first write. It never stops (a write's failure of any kind answers
        its batch and the writer goes on), so no write queues with nobody to take it."""
        if self._thread is None:
            with self._starting:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                outcomes = self._commit([item for item, _, _ in batch])
            except BaseException as fatal:  # not an Exception (a SystemExit): the writer goes on
                failed = RuntimeError(f"{self.name}: {fatal!r}")
                outcomes = [failed] * len(batch)
            self._settle_all(batch, outcomes)

    @staticmethod
    def _settle_all(batch: list[_Waiting[T]], outcomes: list[BaseException | None]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, _Settled] = defaultdict(list)
        for (_, done, loop), outcome in zip(batch, outcomes, strict=True):
            by_loop[loop].append((done, outcome))
        for loop, settled in by_loop.items():  # one wake-up of each loop per transaction
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # that loop has closed: nobody waits any more
                pass

    def _commit(self, items: list[T]) -> list[BaseException | None]:
        try:
            with self.engine.begin() as conn:
                self.write(conn, items)
        except Exception as failed:
            if len(items) == 1:
                return [failed]
            return [self._commit([item])[0] for item in items]
        return [None] * len(items)


def _settle(settled: _Settled) -> None:
    for done, outcome in settled:
        if done.done():  # the activity was cancelled meanwhile (its timeout)
            continue
        if outcome is None:
            done.set_result(None)
        else:
            done.set_exception(outcome)
