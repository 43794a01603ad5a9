"""Issue #14 H1 at the workflow: a start, update or signal that does not carry the caller proof of
the API or the ticket coordinator changes nothing (workflows/interceptors.py). The outsider here
is the same server and converter without the proof — what the Web UI's HTTP API sends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import SignalWorkflowExecutionRequest
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from domain.attachments import ChsiResult
from domain.enrollment import (
    ChsiStep,
    EnrollmentForm,
    EnrollmentInput,
    EnrollmentState,
    ExaminerAction,
    Review,
    TicketAssigned,
)
from domain.ids import keyed_hash
from domain.messages import NOTIFY_CANDIDATE, AccessRefusal, Notification
from domain.period import PeriodConfig, PeriodInput
from domain.states import AppState
from infra.codec import ENCODING, KEY_ID_METADATA
from infra.db import Application
from infra.sms import last_outbox_text
from infra.temporal import workflow_runner
from tests.workflows.flow import claim_and_approve, to_submitted
from tests.workflows.harness import SECRET, Harness, OutsidersErrand, unsigned, valid_id_number
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow

UNTRUSTED = "UNTRUSTED_CALLER"
FORGED_TICKET = "999999999999"
#: a refused start fails in its first workflow task; an accepted one would run for days
RESULT_TIMEOUT = 30


def assert_untrusted(exc: BaseException) -> None:
    cause = exc.cause if isinstance(exc, WorkflowUpdateFailedError | WorkflowFailureError) else exc
    assert isinstance(cause, ApplicationError), repr(cause)
    assert cause.type == UNTRUSTED
    assert cause.message == AccessRefusal.UNTRUSTED_CALLER.message


async def update_events(handle: WorkflowHandle) -> int:
    history = await handle.fetch_history()
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    return sum(1 for e in history.events if e.event_type == accepted)


async def test_forged_updates_and_signal_change_nothing(dev_env, engine, task_queue):
    async with Harness(dev_env, engine, task_queue) as h:
        now = datetime.now(UTC)
        phone = "13900005010"
        inp = h.enrollment_input("p-proof", valid_id_number(501), phone, now + timedelta(days=5))
        handle = await h.start_application(inp)
        await to_submitted(h, handle, phone)
        outsider = unsigned(h.env.client).get_workflow_handle(inp.application_id)
        accepted_before = await update_events(handle)

        for update in (EnrollmentWorkflow.claim, EnrollmentWorkflow.approve):
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await outsider.execute_update(update, ExaminerAction(examiner="anyone"))
            assert_untrusted(refused.value)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await outsider.execute_update(EnrollmentWorkflow.withdraw)
        assert_untrusted(refused.value)
        assert await update_events(handle) == accepted_before, "a refused update left an event"
        assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.SUBMITTED

        # the API's own examiner decision still goes through
        assert (await claim_and_approve(handle)).state == AppState.APPROVED

        await outsider.signal(
            EnrollmentWorkflow.ticket_assigned, TicketAssigned(number=FORGED_TICKET)
        )
        real = "260112000001"
        await handle.signal(EnrollmentWorkflow.ticket_assigned, TicketAssigned(number=real))
        # signals apply in order: had the forged one counted, the real one would be a duplicate
        assert await handle.result() == AppState.TICKET_ISSUED.value
        assert (await handle.query(EnrollmentWorkflow.view)).ticket_number == real
        sms = last_outbox_text(engine, inp.phone_hash)
        assert sms is not None and FORGED_TICKET not in sms and real in sms


async def test_forged_starts_fail_before_anything_happens(dev_env, engine, task_queue):
    async with Harness(dev_env, engine, task_queue) as h:
        now = datetime.now(UTC)
        outsider = unsigned(h.env.client)
        inp = h.enrollment_input(
            "p-proof", valid_id_number(502), "13900005020", now + timedelta(days=5)
        )
        inp.state = EnrollmentState(
            state=AppState.APPROVED,
            created_at=now,
            review=Review(examiner="x", decision="approved"),
        )
        forged = await outsider.start_workflow(
            EnrollmentWorkflow.run, inp, id=inp.application_id, task_queue=h.task_queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(forged.result(), RESULT_TIMEOUT)
        assert_untrusted(failed.value)
        with Session(engine) as s:
            assert s.get(Application, inp.application_id) is None, "the forged case was projected"

        assert last_outbox_text(engine, inp.phone_hash) is None, "the forged case sent an SMS"

        # a period whose review deadline has passed would number every approved application
        config = PeriodConfig(
            period_id="p-forged",
            year=2026,
            window=2,
            opens_at=now - timedelta(days=2),
            closes_at=now - timedelta(days=1),
            review_deadline=now - timedelta(minutes=1),
        )
        period = await outsider.start_workflow(
            EnrollmentPeriodWorkflow.run,
            PeriodInput(config=config),
            id=f"period-p-forged-{task_queue}",
            task_queue=h.task_queue,
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(period.result(), RESULT_TIMEOUT)
        assert_untrusted(failed.value)


def test_every_update_has_a_validator():
    """The proof is checked in the validator path (no history event for a refusal); an update
    without a validator would skip it."""
    for cls in (EnrollmentWorkflow, EnrollmentPeriodWorkflow):
        defn = workflow._Definition.must_from_class(cls)
        missing = [name for name, u in defn.updates.items() if u.validator is None]
        assert missing == [], f"{cls.__name__}: updates without a validator: {missing}"


# --- continue-as-new: a run's trust is not inherited from a run the outsider ran himself --------


@workflow.defn(name="EnrollmentWorkflow", sandboxed=False)
class OutsidersEnrollment:
    """What anyone who reaches the frontend can run: his own worker on his own task queue, with
    a workflow of ruji's type name whose only act is to continue-as-new onto ruji's queue with the
    input he wrote. The new run names a previous run (``continued_run_id``) like a real one."""

    @workflow.run
    async def run(self, forged: EnrollmentInput, onto: str) -> None:
        workflow.continue_as_new(forged, task_queue=onto)


@workflow.defn(name="EnrollmentPeriodWorkflow", sandboxed=False)
class OutsidersPeriod:
    @workflow.run
    async def run(self, forged: PeriodInput, onto: str) -> None:
        workflow.continue_as_new(forged, task_queue=onto)


def self_projecting_approval(now: datetime) -> EnrollmentState:
    """APPROVED, with a CHSI check pending since two days: its timeout commits (and projects)
    the case at once, so the office's read model and the ticket run would take it as approved."""
    return EnrollmentState(
        state=AppState.APPROVED,
        created_at=now - timedelta(days=3),
        submitted_at=now - timedelta(days=2),
        review=Review(examiner="x", decision="approved"),
        form=EnrollmentForm(
            postal_code="410000",
            household_type="urban",
            household_province="43",
            occupation="x",
            political_status="x",
            contact_phone="13900005030",
            region="01",
            major="520201",
        ),
        chsi=ChsiStep(status=ChsiResult.PENDING, requested_at=now - timedelta(days=2)),
    )


async def test_a_continue_as_new_from_an_outsiders_run_is_not_trusted(dev_env, engine, task_queue):
    """Before: the run continued from the outsider's own run inherited trust (only workflow
    code can continue-as-new — but anyone can run workflow code of that name on his own queue):
    an application APPROVED from birth was projected into the read model, and a period whose
    review deadline had passed would have numbered every approved application."""
    async with Harness(dev_env, engine, task_queue) as h:
        now = datetime.now(UTC)
        outsider = unsigned(h.env.client)
        outsiders_queue = f"outsider-{task_queue}"
        inp = h.enrollment_input(
            "p-proof", valid_id_number(503), "13900005030", now + timedelta(days=5)
        )
        inp.state = self_projecting_approval(now)
        config = PeriodConfig(
            period_id="p-forged-can",
            year=2026,
            window=2,
            opens_at=now - timedelta(days=2),
            closes_at=now - timedelta(days=1),
            review_deadline=now - timedelta(minutes=1),
        )
        async with Worker(
            outsider, task_queue=outsiders_queue, workflows=[OutsidersEnrollment, OutsidersPeriod]
        ):
            case = await outsider.start_workflow(
                "EnrollmentWorkflow",
                args=[inp, h.task_queue],
                id=inp.application_id,
                task_queue=outsiders_queue,
            )
            period = await outsider.start_workflow(
                "EnrollmentPeriodWorkflow",
                args=[PeriodInput(config=config), h.task_queue],
                id=f"period-p-forged-can-{task_queue}",
                task_queue=outsiders_queue,
            )
            for forged in (case, period):
                with pytest.raises(WorkflowFailureError) as failed:
                    await asyncio.wait_for(
                        h.env.client.get_workflow_handle(forged.id).result(), RESULT_TIMEOUT
                    )
                assert_untrusted(failed.value)
        with Session(engine) as s:
            assert s.get(Application, inp.application_id) is None, "the forged case was projected"
        assert last_outbox_text(engine, inp.phone_hash) is None, "the forged case sent an SMS"


@workflow.defn(name="ContinuesTwice")
class ContinuesTwice:
    @workflow.run
    async def run(self, runs: int) -> int:
        if runs < 2:
            workflow.continue_as_new(runs + 1)
        return runs


async def test_a_workflows_own_continue_as_new_is_signed_and_goes_on(
    dev_env, test_proof_ring, task_queue
):
    """The checking worker signs each continue-as-new its workflows ask for, so their next runs
    pass the start check as any signed start does."""
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[ContinuesTwice],
        workflow_runner=workflow_runner(),
        interceptors=[CallerProofChecker(test_proof_ring)],
    ):
        handle = await dev_env.client.start_workflow(
            ContinuesTwice.run, 0, id=f"continues-{task_queue}", task_queue=task_queue
        )
        assert await asyncio.wait_for(handle.result(), RESULT_TIMEOUT) == 2


# --- activities: run only for ruji's own workflows ---------------------------------------------


async def test_an_outsiders_workflow_cannot_have_ruji_workers_run_activities(
    dev_env, engine, task_queue
):
    """Before: the enrollment worker texted the phone the outsider chose with the text he wrote
    (as a decision notice from the authority's gateway); with his own inputs he could as well
    have numbered tickets, delivered them (signed signals), closed out a period, purged for
    retention or projected a case as APPROVED."""
    async with Harness(dev_env, engine, task_queue) as h:
        outsider = unsigned(h.env.client)
        outsiders_queue = f"outsider-errand-{task_queue}"
        phone = "13900005040"
        note = Notification(
            workflow_id="enroll-anyone",
            event="decision:approved",
            phone=phone,
            phone_hash=keyed_hash(SECRET, phone),
            text="【湖南自考】您的入籍申请已审核通过，请点击链接缴费",
        )
        async with Worker(outsider, task_queue=outsiders_queue, workflows=[OutsidersErrand]):
            with pytest.raises(WorkflowFailureError) as failed:
                await outsider.execute_workflow(
                    "OutsidersErrand",
                    args=[NOTIFY_CANDIDATE, note, h.task_queue],
                    id=f"errand-{task_queue}",
                    task_queue=outsiders_queue,
                    execution_timeout=timedelta(seconds=RESULT_TIMEOUT),
                )
            assert isinstance(failed.value.cause, ActivityError), repr(failed.value.cause)
            assert_untrusted(failed.value.cause.cause)
    assert last_outbox_text(engine, note.phone_hash) is None, "the outsider's text was sent"


@activity.defn(name="errand")
async def errand(arg: Notification) -> str:
    return arg.text


async def test_the_upgrade_grace_runs_unsigned_activities_scheduled_before_it_only(
    dev_env, test_proof_ring, task_queue
):
    """`RUJI_UNSIGNED_ACTIVITIES_BEFORE`: activities the workers scheduled before workflows
    signed them still run after the upgrade; one scheduled since does not."""
    outsider = unsigned(dev_env.client)
    note = Notification(workflow_id="w", event="e", phone="1", phone_hash="h", text="ran")
    # the second as an operator may write it, without a zone: taken as UTC
    now = datetime.now(UTC)
    for before, runs in ((now + timedelta(hours=1), True), (now.replace(tzinfo=None), False)):
        queue = f"{task_queue}-{runs}"
        checker = CallerProofChecker(test_proof_ring, unsigned_activities_before=before)
        async with (
            Worker(dev_env.client, task_queue=queue, activities=[errand], interceptors=[checker]),
            Worker(outsider, task_queue=f"{queue}-outsider", workflows=[OutsidersErrand]),
        ):
            run = outsider.execute_workflow(
                "OutsidersErrand",
                args=["errand", note, queue],
                id=f"errand-grace-{queue}",
                task_queue=f"{queue}-outsider",
                execution_timeout=timedelta(seconds=RESULT_TIMEOUT),
            )
            if runs:
                await run
            else:
                with pytest.raises(WorkflowFailureError) as failed:
                    await run
                assert_untrusted(failed.value.cause.cause)


# --- payloads the worker cannot decrypt ----------------------------------------------------------


def undecryptable(key_id: str) -> Payload:
    """What anyone can put in a message: our encoding and a key ID, but no valid ciphertext."""
    return Payload(
        metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
        data=b"\0" * 40,
    )


async def test_a_message_the_worker_cannot_decrypt_does_not_wedge_the_case(
    dev_env, engine, task_queue, test_codec
):
    """Before: decoding a workflow task's payloads stopped at the first one that would not
    decrypt, so the whole task failed, and failed again at every retry, as the signal stays in
    the history: one unsigned signal sent through the Web UI stopped a case for good (every
    update and query of the candidate and the examiner timed out). Now such a payload reaches
    the workflow as an unreadable one: the signal is dropped, an update refused, and the case
    goes on."""
    async with Harness(dev_env, engine, task_queue) as h:
        now = datetime.now(UTC)
        phone = "13900005040"
        inp = h.enrollment_input("p-proof", valid_id_number(504), phone, now + timedelta(days=5))
        handle = await h.start_application(inp)
        client = h.env.client
        for key_id in (test_codec.current_key_id, "no-such-key"):
            for signal in ("ticket_assigned", "close_out", "no_such_signal"):
                await client.workflow_service.signal_workflow_execution(
                    SignalWorkflowExecutionRequest(
                        namespace=client.namespace,
                        workflow_execution=WorkflowExecution(workflow_id=inp.application_id),
                        signal_name=signal,
                        input=Payloads(payloads=[undecryptable(key_id)]),
                        identity="outsider",
                    )
                )
        view = await asyncio.wait_for(to_submitted(h, handle, phone), RESULT_TIMEOUT)
        assert view.state == AppState.SUBMITTED
