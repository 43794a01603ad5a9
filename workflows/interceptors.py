"""The checking half of the caller proof (domain/caller_proof.py): a worker interceptor that lets
a workflow believe only messages signed by the API or the ticket coordinator, and a worker run
only activities its workflows scheduled.

- **Updates** are checked before the workflow's own validator: a refusal is `UNTRUSTED_CALLER`,
  and a rejected update leaves no event in the history. Validators do not run on replay, so this
  check needs no patch.
- **Starts** are checked before the workflow's code runs; a forged one fails the run at once
  (`UNTRUSTED_CALLER`) before it projects, texts or numbers anything. Cron and retry runs (which a
  forged start could request) are checked like any start, and so are continue-as-new runs: this
  worker signs every continue-as-new its workflows ask for (issuer "worker"). A continued run
  used to inherit trust, but anyone who reaches the frontend can run a workflow of ruji's type
  name on his own task queue and continue it onto ruji's queue with the input he wrote. Runs
  continued before the signing (no `SIGNED_CONTINUE_PATCH` marker) replay as they ran.
- **Signals** cannot be answered: a forged one is dropped and logged. Signal handlers run again on
  replay, so the drop is behind `workflow.patched(SIGNAL_PATCH)`: histories recorded before the
  check replay as they ran.

- **Activities** run on the enrollment worker only when a ruji workflow scheduled them: the
  workflow's outbound side signs every activity it schedules through the server (issuer
  "worker"), and the worker refuses one without a valid proof, `UNTRUSTED_CALLER`,
  non-retryable. Any workflow in the namespace can schedule an activity on any task queue, so
  this is what keeps an outsider's workflow from having ruji's worker act for it. Headers are
  not part of the replay check: no patch. The vision worker does not check (it would need the
  ring, which it is kept without: docs/security.md).

Queries are read-only and stay open to operators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.worker import (
    ActivityInboundInterceptor,
    ContinueAsNewInput,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

with workflow.unsafe.imports_passed_through():
    from domain.caller_proof import (
        HEADER,
        MAX_AGE,
        CallerProof,
        ProofKind,
        digest_of,
        refusal_reason,
        sign,
        update_proof_name,
    )
    from domain.errors import refuse, to_application_error
    from domain.messages import AccessRefusal
    from workflows.shape import patched

if TYPE_CHECKING:
    from infra.keyring import KeyRing

START_PATCH = "caller-proof-start"
SIGNAL_PATCH = "caller-proof-signals"
#: continued runs are checked like starts (their predecessor signed the continue-as-new)
SIGNED_CONTINUE_PATCH = "caller-proof-continue-as-new"
#: the issuer of what a workflow signs: its continue-as-new and its activities
WORKER_ISSUER = "worker"


class CallerProofChecker(Interceptor):
    """Worker interceptor: ``Worker(..., interceptors=[CallerProofChecker(ring)])``. It checks
    with every key of the ring what the workflows are sent and the activities the worker is
    asked to run, and signs its workflows' continue-as-new and activities with the current one."""

    def __init__(
        self,
        ring: KeyRing,
        max_age: timedelta | None = MAX_AGE,
        unsigned_activities_before: datetime | None = None,
    ):
        """``max_age`` None: no age check, for the time-skipping test server only (its workflow
        clock runs days ahead of the wall clock the signer reads)."""
        self.keys, self.max_age = dict(ring.keys), max_age
        self.signing_key = (ring.current_id, ring.current_key)
        before = unsigned_activities_before
        if before is not None and before.tzinfo is None:  # "2026-12-02T14:00" in the env: UTC
            before = before.replace(tzinfo=UTC)
        self.unsigned_activities_before = before

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return ActivityProofInbound(next, self.keys, self.unsigned_activities_before)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        attrs = {"keys": self.keys, "max_age": self.max_age, "signing_key": self.signing_key}
        return type("CallerProofInbound", (_CallerProofInbound,), attrs)


class _WorkflowSigner(WorkflowOutboundInterceptor):
    """Signs, at workflow time, what the workflow asks of others: the next run's start (as the API
    signs a start: kind, workflow ID, type, arguments; the server starts it when this task
    completes) and every activity it schedules through the server (kind activity, workflow ID,
    activity type, arguments), which the enrollment worker checks (`ActivityProofInbound`); local
    activities are not: no one outside the worker can ask for one."""

    def __init__(self, next: WorkflowOutboundInterceptor, signing_key: tuple[str, bytes]):
        super().__init__(next)
        self.signing_key = signing_key

    def _proof(self, kind: ProofKind, name: str, args: Sequence[Any]) -> Payload:
        key_id, key = self.signing_key
        return sign(
            key_id,
            key,
            kind=kind,
            workflow_id=workflow.info().workflow_id,
            name=name,
            issuer=WORKER_ISSUER,
            issued_at=int(workflow.now().timestamp()),
            digest=digest_of(args),
        ).to_payload()

    def continue_as_new(self, input: ContinueAsNewInput) -> Any:
        name = input.workflow or workflow.info().workflow_type
        input.headers = {**input.headers, HEADER: self._proof(ProofKind.START, name, input.args)}
        return super().continue_as_new(input)

    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        proof = self._proof(ProofKind.ACTIVITY, input.activity, input.args)
        input.headers = {**input.headers, HEADER: proof}
        return super().start_activity(input)


class ActivityProofInbound(ActivityInboundInterceptor):
    """Runs an activity only when a ruji workflow scheduled it. Any workflow in the namespace may
    schedule an activity on any task queue: without this, whoever reaches the frontend could run
    a workflow of his own that asks ruji's workers to number tickets, deliver them (signed
    signals), close out a period, purge for retention, text a phone or project a case as
    APPROVED, with inputs he wrote. No age check: an activity may run hours after it was
    scheduled (retries), and a proof copied from a history repeats the same activity with the
    same input for the same workflow, which the activities take as a retry. It returns the next
    interceptor's awaitable, so a refusal is raised before the activity is even handed to its
    executor."""

    def __init__(
        self,
        next: ActivityInboundInterceptor,
        keys: Mapping[str, bytes],
        unsigned_before: datetime | None,
    ):
        super().__init__(next)
        self.keys, self.unsigned_before = keys, unsigned_before

    def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        # a local activity never passes through the server: only a workflow task this worker
        # runs (a ruji workflow, its start checked) can ask for one
        if info.is_local:
            return super().execute_activity(input)
        proof = CallerProof.from_headers(input.headers)
        if proof is None and self._scheduled_before_signing(info):
            return super().execute_activity(input)
        why = refusal_reason(
            proof,
            self.keys,
            kind=ProofKind.ACTIVITY,
            workflow_id=info.workflow_id or "",
            name=info.activity_type,
            digest=digest_of(input.args),
            now=None,
        )
        if why is not None:
            activity.logger.warning("refused activity %s: %s", info.activity_type, why)
            raise to_application_error(refuse(AccessRefusal.UNTRUSTED_CALLER))
        return super().execute_activity(input)

    def _scheduled_before_signing(self, info: activity.Info) -> bool:
        """An upgrade's grace (`RUJI_UNSIGNED_ACTIVITIES_BEFORE`): activities scheduled by the
        workers before this change carry no proof; the server's schedule time is not the
        caller's to choose."""
        return self.unsigned_before is not None and info.scheduled_time < self.unsigned_before


class _CallerProofInbound(WorkflowInboundInterceptor):
    """One per workflow run. Signals and updates that arrive in the run's first workflow task
    are applied before the start (SDK order), and their handlers would change the very objects
    the start's proof covers; they wait until the start is checked."""

    keys: dict[str, bytes]
    max_age: timedelta | None
    signing_key: tuple[str, bytes]
    start_checked = False

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowSigner(outbound, self.signing_key))

    async def _after_start_check(self) -> None:
        if not self.start_checked:
            await workflow.wait_condition(lambda: self.start_checked)

    def _reason(
        self, kind: ProofKind, name: str, args: Any, headers: Mapping[str, Any], now: Any
    ) -> str | None:
        return refusal_reason(
            CallerProof.from_headers(headers),
            self.keys,
            kind=kind,
            workflow_id=workflow.info().workflow_id,
            name=name,
            digest=digest_of(args),
            now=now,
            max_age=self.max_age,
        )

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        info = workflow.info()
        # Cron and retry runs also name a previous run; a forged start could ask for those.
        continued = bool(info.continued_run_id) and not info.cron_schedule and info.attempt == 1
        # A continued run recorded before continue-as-new was signed inherited its trust.
        if patched(START_PATCH) and (not continued or workflow.patched(SIGNED_CONTINUE_PATCH)):
            why = self._reason(
                ProofKind.START,
                info.workflow_type,
                input.args,
                input.headers,
                info.workflow_start_time,
            )
            if why is not None:
                workflow.logger.warning("refused workflow start: %s", why)
                raise to_application_error(refuse(AccessRefusal.UNTRUSTED_CALLER))
        self.start_checked = True
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        if patched(SIGNAL_PATCH):
            why = self._reason(ProofKind.SIGNAL, input.signal, input.args, input.headers, None)
            if why is not None:
                workflow.logger.warning("dropped signal %s: %s", input.signal, why)
                return
            await self._after_start_check()
        await super().handle_signal(input)

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        name = update_proof_name(input.update, input.id)
        why = self._reason(ProofKind.UPDATE, name, input.args, input.headers, workflow.now())
        if why is not None:
            workflow.logger.warning("refused update %s: %s", input.update, why)
            raise to_application_error(refuse(AccessRefusal.UNTRUSTED_CALLER))
        super().handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        if not self.start_checked and patched(START_PATCH):
            await self._after_start_check()
        return await super().handle_update_handler(input)
