"""The shape of a case's history (issue 18): what a run records, fixed for the run at its start.

- **Lean** (`lean-shape`, a patch): one deadline timer re-armed only when the nearest deadline
  moves, search attributes at milestones only, the read model projected when what its readers
  filter on changes (audit rows ride along with the next projection). Every patch older than
  the lean shape was in the code that records its marker, so in a lean run those patches are
  implied: `patched(OLD)` records no marker of its own (one event each).
- **Fewer round trips** (shape 2, named by the start's memo, `domain/case_view.start_memo`):
  lean, and the liveness challenge comes with the accepted photo and the notice with the first
  form save, two updates fewer per application. The memo costs no event; the lean patch's
  marker and the SDK's TemporalChangeVersion upsert (two events) are not recorded.

- **One call per step** (shape 3): a commit followed by an SMS (a decision, the close-out)
  writes the read model and sends the SMS in one local activity, one marker instead of two.
  The merged updates of this shape (the ID card's confirmation with the photo, the form with the
  submit) are new update names, which any run can take: the H5 decides, not the shape.

Runs recorded before keep their shape on replay: no memo, so the lean patch is asked as before.
Deploy order: workers before the API (a worker without this code would take a shape-2 start for
a lean one and record the marker; it would still run correctly, in the lean shape).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case_view import RULES_MEMO_KEY, SHAPE_MEMO_KEY

LEAN_SHAPE = "lean-shape"
FEWER_ROUND_TRIPS = 2
ONE_CALL_PER_STEP = 3


def started_as() -> int:
    """The shape the start named (0: none, a run started before shapes were named)."""
    value = workflow.memo_value(SHAPE_MEMO_KEY, 0, type_hint=int)
    return value if isinstance(value, int) else 0


def started_under() -> int:
    """The rules the start named (domain/case_view.RULES_MEMO_KEY; 0: a run started before)."""
    value = workflow.memo_value(RULES_MEMO_KEY, 0, type_hint=int)
    return value if isinstance(value, int) else 0


def fewer_round_trips() -> bool:
    return started_as() >= FEWER_ROUND_TRIPS


def one_call_per_step() -> bool:
    return started_as() >= ONE_CALL_PER_STEP


def lean() -> bool:
    """Whether this run has the lean shape. The caller-proof interceptor asks first, at the run's
    start, so the answer is fixed for the run (the SDK memoises a patch per run)."""
    return fewer_round_trips() or workflow.patched(LEAN_SHAPE)


def patched(older: str) -> bool:
    """`workflow.patched` for a patch that predates the lean shape."""
    return lean() or workflow.patched(older)
