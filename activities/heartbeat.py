"""Heartbeats for the vision activities while they compute.

A vision call takes seconds of CPU; its start-to-close timeout (45 s) is how long a candidate
waited when the worker running it died. Heartbeating every HEARTBEAT_EVERY_S lets the workflow
set a short heartbeat timeout (workflows/support.VISION_HEARTBEAT_TIMEOUT): a dead worker is then
noticed in seconds and the call retried on another. The activities are synchronous (thread
pool), so a small thread beats for them, in the activity's context.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from temporalio import activity

HEARTBEAT_EVERY_S = 2.0

P = ParamSpec("P")
R = TypeVar("R")


def heartbeating(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if not activity.in_activity():  # called directly (benchmarks, tests of the engine)
            return fn(*args, **kwargs)
        done = threading.Event()
        context = contextvars.copy_context()

        def beat() -> None:
            while not done.wait(HEARTBEAT_EVERY_S):
                context.run(activity.heartbeat)

        beater = threading.Thread(target=beat, name="vision-heartbeat", daemon=True)
        activity.heartbeat()  # at once: the worker is alive and has the task
        beater.start()
        try:
            return fn(*args, **kwargs)
        finally:
            done.set()
            beater.join()

    run.heartbeats = True  # type: ignore[attr-defined]
    return run
