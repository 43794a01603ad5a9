"""The state and bookkeeping every handler of EnrollmentWorkflow shares: the commit (history,
read model, search attributes, Web UI details) and the activity calls. The handlers live in
workflows/identity_steps.py (R2–R6) and workflows/enrollment.py (the workflow itself)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import case_rules as rules
    from domain.case_view import (
        candidate_view,
        details_markdown,
        milestone_search_values,
        projection_due,
        search_values,
        snapshot,
    )
    from domain.enrollment import (
        ApplicationView,
        EnrollmentInput,
        EnrollmentState,
    )
    from domain.errors import refuse, to_application_error
    from domain.messages import NOTIFY_CANDIDATE, CaseRefusal, Notification
    from domain.read_model import (
        PROJECT_AND_NOTIFY,
        PROJECT_APPLICATION,
        ApplicationSnapshot,
        ProjectionWithNotice,
    )
    from domain.states import AppState
    from workflows.support import (
        PROJECTION_RETRY,
        PROJECTION_TIMEOUT,
        SHORT_CALL_RETRY,
        SHORT_CALL_TIMEOUT,
        VISION_HEARTBEAT_TIMEOUT,
        VISION_RETRY,
        VISION_TIMEOUT,
        run_activity,
    )

from workflows import shape

R = TypeVar("R")

#: A step checks its rule again once it holds the case lock (workflow.patched): its validator saw
#: the case before the step it waited behind changed it.
RECHECK_UNDER_LOCK = "recheck-under-lock"


class CaseLock:
    """The case's lock. A step whose validator passed before the case was taken over waited
    here meanwhile; it is refused instead of acting on the ended case (a late ID-card read would
    otherwise rewind a SUPERSEDED case to ID_PENDING)."""

    def __init__(self, superseded: Callable[[], bool]) -> None:
        self.bare = asyncio.Lock()
        self._superseded = superseded

    def locked(self) -> bool:
        return self.bare.locked()

    async def __aenter__(self) -> None:
        await self.bare.acquire()
        if self._superseded():
            self.bare.release()
            raise to_application_error(refuse(CaseRefusal.WRONG_STATE, "该申请已终止"))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bare.release()


class CaseWorkflow:
    """Set by EnrollmentWorkflow's init; typed here so the handler classes can use them."""

    params: EnrollmentInput
    case: EnrollmentState
    closes_at: datetime
    lock: CaseLock
    projected_audit: int
    projected_state: AppState | None  # the state the read model holds (lean shape)
    published: dict[object, object]  # search attribute key -> last upserted value

    @workflow.query
    def view(self) -> ApplicationView:
        return candidate_view(self.params, self.case)

    # --- bookkeeping ----------------------------------------------------------------------------
    async def _commit(self, actor: str, action: str, *, projected_elsewhere: bool = False) -> None:
        """`projected_elsewhere`: another writer puts this commit into the read model (the ticket
        coordinator, for its whole page)."""
        self._record(actor, action)
        self._publish()
        if projected_elsewhere:
            self.projected_audit = len(self.case.history)
        elif not shape.lean() or projection_due(self.projected_state, self.case):
            await self._project()

    async def _commit_and_notify(
        self, actor: str, action: str, text: str, event: Callable[[int], str]
    ) -> None:
        """A commit the candidate is told of by SMS (a decision, the close-out: both change the
        state, so the read model always takes them); `event` names the message by the commit's
        version (one SMS per event). Shape 3 writes the read model and sends the SMS in one local
        activity: a marker fewer."""
        if not shape.one_call_per_step():
            await self._commit(actor, action)
            await self._notify(event(self.case.version), text)
            return
        self._record(actor, action)
        self._publish()
        await workflow.execute_local_activity(
            PROJECT_AND_NOTIFY,
            ProjectionWithNotice(
                snapshot=self._snapshot(),
                notification=self._notification(event(self.case.version), text),
            ),
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        self._mark_projected()

    def _record(self, actor: str, action: str) -> None:
        """One step of the case's history: a version and an audit row. `_commit` records its own;
        a step recorded with another in one commit calls this first."""
        self._record_on(self.case, actor, action)

    @staticmethod
    def _record_on(case: EnrollmentState, actor: str, action: str) -> None:
        """`_record` on a copy of the case, for a step kept only if its call succeeds."""
        case.version += 1
        case.history.append((workflow.now(), actor, action))
        update = workflow.current_update_info()
        if update is not None:  # the audit row names the update, so a retry cannot hide it
            case.update_ids[len(case.history)] = update.id

    async def _project(self) -> None:
        await workflow.execute_local_activity(
            PROJECT_APPLICATION,
            self._snapshot(),
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        self._mark_projected()

    def _snapshot(self, case: EnrollmentState | None = None) -> ApplicationSnapshot:
        """The read model's row for the case as it is (or a copy of it about to be kept), with
        the audit rows not written yet."""
        return snapshot(self.params, case or self.case, self.projected_audit)

    def _mark_projected(self) -> None:
        self.projected_audit = len(self.case.history)
        self.projected_state = self.case.state

    async def _project_rest(self) -> None:
        """Before a continue-as-new: the next run starts from a read model that has everything."""
        if self.projected_audit < len(self.case.history):
            await self._project()

    def _publish(self) -> None:
        """Search attributes that changed since the last commit, and the Web UI's details. Only
        changes are upserted: each upsert is a history event and a visibility write."""
        values = milestone_search_values if shape.lean() else search_values
        wanted = values(self.params.period_id, self.case)
        updates = [
            key.value_set(value)
            for key, value in wanted.items()
            if value is not None and self.published.get(key) != value
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self.published.update({k: v for k, v in wanted.items() if v is not None})
        workflow.set_current_details(details_markdown(self.params.period_id, self.case))

    def _recheck(self, validator: Callable[..., None], *args: object) -> None:
        """Called first under the case lock with the update's own validator. The validator judged
        the case when the update arrived; a step that then waited for the lock (behind a photo
        check of a few seconds, a refresh of the CHSI codes, a claim) must act on the case as it is
        now: a submit behind a new photo would submit a case whose face check the photo voided,
        a CHSI callback behind a refresh would redeem a retired code and fail the workflow task on
        every retry. Refused as the validator refuses; runs recorded before acted on."""
        try:
            validator(*args)
        except ApplicationError:
            if workflow.patched(RECHECK_UNDER_LOCK):
                raise

    def _require_step(self, minimum: AppState) -> None:
        rules.require_step(self.case, minimum, workflow.now(), self.closes_at)

    def _key(self, folder: str, name: str) -> str:
        """A fresh object key for a file an activity writes (deterministic in the workflow)."""
        return f"{self.params.application_id}/{folder}/{name}-{workflow.uuid4().hex[:8]}.jpg"

    # --- activities -----------------------------------------------------------------------------
    async def _vision(self, name: str, arg: object, result_type: type[R]) -> R:
        return await run_activity(
            name,
            arg,
            result_type,
            timeout=VISION_TIMEOUT,
            retry=VISION_RETRY,
            task_queue=self.params.vision_task_queue,
            heartbeat_timeout=VISION_HEARTBEAT_TIMEOUT,
        )

    def _notification(self, event: str, text: str) -> Notification:
        return Notification(
            workflow_id=self.params.application_id,
            event=event,
            phone=self.params.identity.phone,
            phone_hash=self.params.phone_hash,
            text=text,
        )

    async def _notify(self, event: str, text: str) -> None:
        await workflow.execute_local_activity(
            NOTIFY_CANDIDATE,
            self._notification(event, text),
            start_to_close_timeout=SHORT_CALL_TIMEOUT,
            retry_policy=SHORT_CALL_RETRY,
        )
