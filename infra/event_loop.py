"""The event loop the workers and the benchmarks that host a worker run on: uvloop.

The enrollment worker's Python time is mostly the SDK's activation hand-offs, the client's calls
and thread-pool completions, all of which go through the event loop (`call_soon_threadsafe`,
selector wake-ups). On uvloop the same lifecycle load costs ~13 % less CPU in the worker's process
(docs/benchmarks.md, session 21). The API already runs on it: uvicorn picks uvloop when it is
installed. Workflow code is unaffected: the SDK runs each workflow on its own deterministic loop.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    return uvloop.run(main)
