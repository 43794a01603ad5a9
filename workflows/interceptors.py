"""The checking half of the caller proof (domain/caller_proof.py): a worker interceptor that lets
a workflow believe only messages signed by the API or the ticket coordinator.

- **Updates** are checked before the workflow's own validator: a refusal is `UNTRUSTED_CALLER`,
  and a rejected update leaves no event in the history. Validators do not run on replay, so this
  check needs no patch.
- **Starts** are checked before the workflow's code runs; a forged one fails the run at once
  (`UNTRUSTED_CALLER`) before it projects, texts or numbers anything. A continue-as-new run
  inherits the trust of the run that continued it; cron and retry runs (which a forged start
  could request) are checked like any start.
- **Signals** cannot be answered: a forged one is dropped and logged. Signal handlers run again on
  replay, so the drop is behind `workflow.patched(SIGNAL_PATCH)`: histories recorded before the
  check replay as they ran.

Queries are read-only and stay open to operators.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

with workflow.unsafe.imports_passed_through():
    from domain.caller_proof import (
        MAX_AGE,
        CallerProof,
        ProofKind,
        digest_of,
        refusal_reason,
        update_proof_name,
    )
    from domain.errors import refuse, to_application_error
    from domain.messages import AccessRefusal
    from workflows.shape import patched

START_PATCH = "caller-proof-start"
SIGNAL_PATCH = "caller-proof-signals"


class CallerProofChecker(Interceptor):
    """Worker interceptor: ``Worker(..., interceptors=[CallerProofChecker(ring.keys)])``."""

    def __init__(self, keys: Mapping[str, bytes], max_age: timedelta | None = MAX_AGE):
        """``max_age`` None: no age check, for the time-skipping test server only (its workflow
        clock runs days ahead of the wall clock the signer reads)."""
        self.keys, self.max_age = dict(keys), max_age

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        attrs = {"keys": self.keys, "max_age": self.max_age}
        return type("CallerProofInbound", (_CallerProofInbound,), attrs)


class _CallerProofInbound(WorkflowInboundInterceptor):
    """One per workflow run. Signals and updates that arrive in the run's first workflow task
    are applied before the start (SDK order), and their handlers would change the very objects
    the start's proof covers; they wait until the start is checked."""

    keys: dict[str, bytes]
    max_age: timedelta | None
    start_checked = False

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
        # continue-as-new: only workflow code can ask for it, after its own start was checked.
        # Cron and retry runs also name a previous run; a forged start could ask for those.
        inherited = bool(info.continued_run_id) and not info.cron_schedule and info.attempt == 1
        if patched(START_PATCH) and not inherited:
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
