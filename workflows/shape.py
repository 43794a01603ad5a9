"""The lean shape of a case's history (issue 18), behind one patch.

Runs started on code that has it: one deadline timer re-armed only when the nearest deadline
moves, search attributes at milestones only, the read model projected when what its readers
filter on changes (audit rows ride along with the next projection). Runs recorded before keep
their shape on replay.

Every patch older than the lean shape was in the code that records the lean marker, so in a lean
run those patches are implied: `patched(OLD)` records no marker of its own (one event each).
"""

from __future__ import annotations

from temporalio import workflow

LEAN_SHAPE = "lean-shape"


def lean() -> bool:
    """Whether this run has the lean shape. The caller-proof interceptor asks first, at the run's
    start, so the answer is fixed for the run (the SDK memoises a patch per run)."""
    return workflow.patched(LEAN_SHAPE)


def patched(older: str) -> bool:
    """`workflow.patched` for a patch that predates the lean shape."""
    return lean() or workflow.patched(older)
