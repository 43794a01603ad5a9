"""The checking half of the caller proof (domain/caller_proof.py): a worker interceptor that lets
a workflow believe only messages signed by the API or the ticket coordinator.

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

Queries are read-only and stay open to operators.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.worker import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
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
CONTINUE_ISSUER = "worker"


class CallerProofChecker(Interceptor):
    """Worker interceptor: ``Worker(..., interceptors=[CallerProofChecker(ring)])``. It checks
    with every key of the ring and signs its workflows' continue-as-new with the current one."""

    def __init__(self, ring: KeyRing, max_age: timedelta | None = MAX_AGE):
        """``max_age`` None: no age check, for the time-skipping test server only (its workflow
        clock runs days ahead of the wall clock the signer reads)."""
        self.keys, self.max_age = dict(ring.keys), max_age
        self.signing_key = (ring.current_id, ring.current_key)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        attrs = {"keys": self.keys, "max_age": self.max_age, "signing_key": self.signing_key}
        return type("CallerProofInbound", (_CallerProofInbound,), attrs)


class _ContinueAsNewSigner(WorkflowOutboundInterceptor):
    """Signs the next run's start as the API signs a start: kind, workflow ID, type, arguments,
    at workflow time (the server starts the next run when this task completes)."""

    def __init__(self, next: WorkflowOutboundInterceptor, signing_key: tuple[str, bytes]):
        super().__init__(next)
        self.signing_key = signing_key

    def continue_as_new(self, input: ContinueAsNewInput) -> Any:
        info = workflow.info()
        key_id, key = self.signing_key
        proof = sign(
            key_id,
            key,
            kind=ProofKind.START,
            workflow_id=info.workflow_id,
            name=input.workflow or info.workflow_type,
            issuer=CONTINUE_ISSUER,
            issued_at=int(workflow.now().timestamp()),
            digest=digest_of(input.args),
        )
        input.headers = {**input.headers, HEADER: proof.to_payload()}
        return super().continue_as_new(input)


class _CallerProofInbound(WorkflowInboundInterceptor):
    """One per workflow run. Signals and updates that arrive in the run's first workflow task
    are applied before the start (SDK order), and their handlers would change the very objects
    the start's proof covers; they wait until the start is checked."""

    keys: dict[str, bytes]
    max_age: timedelta | None
    signing_key: tuple[str, bytes]
    start_checked = False

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_ContinueAsNewSigner(outbound, self.signing_key))

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
