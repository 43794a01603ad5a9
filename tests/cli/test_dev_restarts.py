"""`ruji dev` keeps the stack up: a child that dies is started again after a growing pause,
instead of the whole stack stopping (issue 14)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from ruji_cli.dev_procs import Child, Stack


def test_a_dead_child_is_restarted_with_backoff(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    crash = f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"
    stack = Stack(restart_backoff=(0.05, 0.1, 0.2))
    stack.start(Child("crashy", [sys.executable, "-c", crash]))
    result: list[int] = []
    supervisor = threading.Thread(target=lambda: result.append(stack.supervise()))
    supervisor.start()
    try:
        for _ in range(200):  # the supervisor's own pace: up to 20 s on a loaded machine
            if starts.exists() and len(starts.read_text()) >= 4:
                break
            threading.Event().wait(0.1)
    finally:
        stack.request_stop()
        supervisor.join(30)
        stack.stop()
    assert len(starts.read_text()) >= 4  # the first start and three restarts
    assert result == [0]  # stopped by request, not by the dead child
