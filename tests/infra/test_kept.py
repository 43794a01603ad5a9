"""infra/kept.py: an answer kept for a few seconds, asked again when it is that old; callers
meanwhile take the kept one (the async kind waits for an ask under way; the threaded kind waits
only for the very first read)."""

from __future__ import annotations

import asyncio
import threading

from infra.kept import Kept, KeptInThreads


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_an_answer_is_asked_once_per_interval_and_shared_while_asked() -> None:
    clock, asked = Clock(), []

    async def ask() -> int:
        asked.append(1)
        await asyncio.sleep(0.01)  # callers arrive while it is asked
        return len(asked)

    kept = Kept(ask, ttl_s=2.0, clock=clock)
    assert await asyncio.gather(*(kept.get() for _ in range(5))) == [1] * 5
    clock.now += 1.9
    assert await kept.get() == 1
    clock.now += 0.2
    assert await kept.get() == 2


def test_in_threads_later_callers_take_the_kept_answer_while_one_reads() -> None:
    clock, reads = Clock(), []
    slow_started, release = threading.Event(), threading.Event()

    def read() -> int:
        reads.append(1)
        if len(reads) == 2:  # the second read is slow
            slow_started.set()
            release.wait(timeout=10)
        return len(reads)

    kept = KeptInThreads(read, ttl_s=5.0, clock=clock)
    assert kept.get() == 1 and kept.get() == 1 and len(reads) == 1
    clock.now += 5
    slow = threading.Thread(target=kept.get)
    slow.start()
    assert slow_started.wait(timeout=10)
    assert kept.get() == 1  # not queued behind the slow read
    release.set()
    slow.join(timeout=10)
    assert kept.get() == 2 and len(reads) == 2
