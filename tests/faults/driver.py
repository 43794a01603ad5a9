"""Candidates and an examiner driving applications the way the H5 client and the console do while
processes die: the current state picks the next step (so a step that landed before its answer
was lost is never redone), and a call that timed out or found the server unavailable is retried
once the system is back. A refusal is judged against the state afterwards: if the step landed,
it was the retry that was refused; otherwise it is recorded for the test to judge."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from domain.enrollment import (
    ApplicationView,
    ConfirmIdCardInput,
    EnrollmentForm,
    EnrollmentInput,
    ExaminerAction,
    IdCardUpload,
    Identity,
    LivenessAnswer,
    PhotoUpload,
    RequestCodeInput,
    VerifyPhoneInput,
)
from domain.identity import IdType
from domain.ids import enrollment_workflow_id, identity_hash, keyed_hash
from domain.otp import code_in_message
from domain.states import PRE_SUBMIT, AppState
from infra.sms import last_outbox_text
from tests.workflows.flow import obj, zhuanke_form
from tests.workflows.harness import SECRET
from workflows.enrollment import EnrollmentWorkflow

#: one RPC may hang while the server is down; the caller then tries again
CALL_TIMEOUT = 20.0
#: between two attempts of a failed call: the server or worker is on its way back
RETRY_PAUSE = 0.5
EXAMINER = "ex-fault"
COOLDOWN_PAUSE = 5.0
TRANSIENT = (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError)
#: refusals a candidate can meet when a process died at the wrong moment, with the step still
#: not done; the driver recovers the way a person would (ask for a new code, start again)
RECOVERABLE = {"SMS_COOLDOWN", "SMS_NO_CODE", "SMS_CODE_EXPIRED", "FACE_NO_CHALLENGE"}
#: the states an application passes from registration to approval, one step apart. Every step
#: needs the server and the enrollment worker; the vision worker reads the ID card within
#: ID_PENDING, and its photo and liveness checks lead into FACE_PENDING and NOTICE_PENDING
PATH = (*PRE_SUBMIT, AppState.SUBMITTED, AppState.UNDER_REVIEW, AppState.APPROVED)


@dataclass
class Refused:
    candidate: int
    step: str
    code: str
    before: str
    after: str


@dataclass
class Journal:
    """What the candidates met on their way: retried calls and refusals."""

    retries: int = 0
    refusals: list[Refused] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def unexplained(self) -> list[Refused]:
        return [r for r in self.refusals if r.before == r.after and r.code not in RECOVERABLE]


@dataclass
class Trigger:
    state: AppState
    k: int
    strike: Callable[[], None]
    struck: asyncio.Future[int | None]


class Progress:
    """How far each application got along PATH, as the driver sees it (a step's answer or a
    query). A fault is set to strike as the k-th application is seen at a state: `strike` runs
    inside that observation, synchronously, so no other application moves in between and a
    fast machine cannot outrun the point, nor a slow one bunch the faults at the start."""

    def __init__(self) -> None:
        self._furthest: dict[int, int] = {}
        self._triggers: list[Trigger] = []
        self.closed = False

    def count(self, state: AppState) -> int:
        """Applications that have reached `state` (or gone past it)."""
        i = PATH.index(state)
        return sum(1 for furthest in self._furthest.values() if furthest >= i)

    def saw(self, n: int, state: AppState) -> None:
        if state in PATH:
            self._furthest[n] = max(self._furthest.get(n, 0), PATH.index(state))
            self._fire()

    def strike_at(
        self, state: AppState, k: int, strike: Callable[[], None]
    ) -> asyncio.Future[int | None]:
        """Run `strike` once `k` applications have reached `state` (at once if they have).
        The future answers how many had, or None if the run ended first."""
        struck: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._triggers.append(Trigger(state, k, strike, struck))
        self._fire()
        return struck

    def close(self) -> None:
        """The run is over: a fault still waiting for its point will not strike."""
        self.closed = True
        for t in self._triggers:
            t.struck.set_result(None)
        self._triggers = []

    def _fire(self) -> None:
        due = [t for t in self._triggers if self.count(t.state) >= t.k]
        self._triggers = [t for t in self._triggers if t not in due]
        for t in due:
            try:
                t.strike()
            except Exception as exc:  # the routine awaiting the fault reports it
                t.struck.set_exception(exc)
            else:
                t.struck.set_result(self.count(t.state))


@dataclass
class Candidate:
    n: int
    id_number: str
    phone: str
    workflow_id: str
    handle: WorkflowHandle | None = None
    code_spent: bool = False  # the newest code was refused: ask for another

    @property
    def key(self) -> str:
        return f"c{self.n}"


async def retrying(journal: Journal, what: str, call: Callable[[], Any], budget: float) -> Any:
    """`call()` until it answers; transient faults are retried until `budget` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    while True:
        try:
            return await asyncio.wait_for(call(), CALL_TIMEOUT)
        except TRANSIENT as exc:
            if loop.time() > deadline:
                raise AssertionError(f"{what}: no answer within {budget:.0f} s ({exc!r})") from exc
            journal.retries += 1
            journal.log.append(f"retry {what}: {type(exc).__name__}")
            await asyncio.sleep(RETRY_PAUSE)  # the fault itself has no event the client can await


def last_code(engine: Engine, phone: str) -> str | None:
    """The newest SMS code to this phone, from the outbox (the harness's lookup)."""
    text = last_outbox_text(engine, keyed_hash(SECRET, phone), dedupe_prefix="otp:")
    return code_in_message(text) if text else None


class Driver:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        *,
        period_id: str,
        queue: str,
        vision_queue: str,
        budget: float,
        phone_prefix: str = "1390",
        journal: Journal | None = None,
        progress: Progress | None = None,
    ):
        self.client, self.engine = client, engine
        self.period_id, self.queue, self.vision_queue = period_id, queue, vision_queue
        self.budget, self.phone_prefix = budget, phone_prefix
        self.journal = journal or Journal()
        self.progress = progress or Progress()
        self.closes_at = datetime.now(UTC) + timedelta(hours=2)

    def candidate(self, n: int, id_number: str, phone: str | None = None) -> Candidate:
        digest = identity_hash(SECRET, IdType.RESIDENT_ID, id_number)
        return Candidate(
            n,
            id_number,
            phone or f"{self.phone_prefix}{n:07d}",
            enrollment_workflow_id(self.period_id, digest),
        )

    # --- calls --------------------------------------------------------------------------------
    async def register(self, c: Candidate, **input_kw: Any) -> None:
        """As the API does: the same identity reaches the same run, so a retry is harmless."""
        inp = EnrollmentInput(
            application_id=c.workflow_id,
            period_id=self.period_id,
            identity=Identity(id_number=c.id_number, phone=c.phone),
            identity_hash=identity_hash(SECRET, IdType.RESIDENT_ID, c.id_number),
            phone_hash=keyed_hash(SECRET, c.phone),
            closes_at=self.closes_at,
            vision_task_queue=self.vision_queue,
            **input_kw,
        )
        c.handle = await retrying(
            self.journal,
            f"c{c.n} register",
            lambda: self.client.start_workflow(
                EnrollmentWorkflow.run,
                inp,
                id=c.workflow_id,
                task_queue=self.queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            ),
            self.budget,
        )

    async def view(self, c: Candidate) -> ApplicationView:
        assert c.handle is not None
        handle = c.handle
        return await retrying(
            self.journal,
            f"c{c.n} view",
            lambda: handle.query(EnrollmentWorkflow.view, rpc_timeout=timedelta(seconds=5)),
            self.budget,
        )

    async def update(self, c: Candidate, step: str, update: Any, *args: Any) -> bool:
        """Run one update; False when it was refused (the refusal is journalled)."""
        assert c.handle is not None
        handle = c.handle
        before = (await self.view(c)).state
        try:
            answer = await retrying(
                self.journal,
                f"c{c.n} {step}",
                lambda: handle.execute_update(update, *args),
                self.budget,
            )
            if isinstance(answer, ApplicationView):
                self.progress.saw(c.n, answer.state)
            return True
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else repr(cause)
            after = (await self.view(c)).state
            self.journal.refusals.append(Refused(c.n, step, code, before.value, after.value))
            self.journal.log.append(f"c{c.n} {step} refused {code} ({before} -> {after})")
            return False

    # --- the candidate's and the examiner's steps ---------------------------------------------
    async def drive(
        self, c: Candidate, until: AppState, form: EnrollmentForm | None = None
    ) -> ApplicationView:
        """Take the application step by step to `until` (DRAFT stops before the form)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget
        while True:
            view = await self.view(c)
            self.progress.saw(c.n, view.state)
            if view.state == until:
                return view
            if loop.time() > deadline:
                raise AssertionError(f"c{c.n} stuck in {view.state} after {self.budget:.0f} s")
            await self.next_step(c, view, form or zhuanke_form())

    async def next_step(self, c: Candidate, view: ApplicationView, form: EnrollmentForm) -> None:
        wf, k = EnrollmentWorkflow, c.key
        match view.state:
            case AppState.REGISTERED:
                await self.verify_phone(c)
            case AppState.ID_PENDING if view.id_card is None:
                upload = IdCardUpload(front=obj(f"{k}/id/front.jpg"), back=obj(f"{k}/id/back.jpg"))
                await self.update(c, "id_card", wf.submit_id_card, upload)
            case AppState.ID_PENDING:
                assert c.handle is not None
                case = await retrying(
                    self.journal, f"c{c.n} case", lambda: c.handle.query(wf.case_file), self.budget
                )
                fields = ConfirmIdCardInput(fields=case.state.id_card.ocr)
                await self.update(c, "confirm_id", wf.confirm_id_card, fields)
            case AppState.PHOTO_PENDING:
                photo = PhotoUpload(photo=obj(f"{k}/photo.jpg"), filename="photo.jpg")
                await self.update(c, "photo", wf.submit_photo, photo)
            case AppState.FACE_PENDING if view.liveness_challenge is None:
                await self.update(c, "start_liveness", wf.start_liveness)
            case AppState.FACE_PENDING:
                assert view.liveness_challenge is not None
                frames = [obj(f"{k}/face/0.jpg"), obj(f"{k}/face/1.jpg")]
                answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=frames)
                await self.update(c, "liveness", wf.submit_liveness, answer)
            case AppState.NOTICE_PENDING:
                await self.update(c, "notice", wf.accept_notice)
            case AppState.DRAFT if view.form is None:
                await self.update(c, "form", wf.save_form, form)
            case AppState.DRAFT:
                await self.update(c, "submit", wf.submit)
            case AppState.SUBMITTED:
                await self.update(c, "claim", wf.claim, ExaminerAction(examiner=EXAMINER))
            case AppState.UNDER_REVIEW:
                await self.update(c, "approve", wf.approve, ExaminerAction(examiner=EXAMINER))
            case _:
                raise AssertionError(f"c{c.n}: no step from {view.state}")

    async def verify_phone(self, c: Candidate) -> None:
        """Ask for a code unless one is waiting, then type the newest one. A refused send
        (cooldown: the earlier send reached the phone) still leaves a code to type."""
        wf = EnrollmentWorkflow
        ip = f"10.{c.n // 250}.{c.n % 250}.1"
        if last_code(self.engine, c.phone) is None or c.code_spent:
            sent = await self.update(
                c, "sms", wf.request_phone_code, RequestCodeInput(client_ip=ip)
            )
            if not sent and c.code_spent:
                await asyncio.sleep(COOLDOWN_PAUSE)  # the cooldown is a clock, not an event
                return
            c.code_spent = False
        code = last_code(self.engine, c.phone)
        if code is None:
            return  # the send was lost with the worker: the next pass asks again
        if not await self.update(c, "verify", wf.verify_phone, VerifyPhoneInput(code=code)):
            c.code_spent = True
