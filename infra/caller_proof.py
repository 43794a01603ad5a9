"""The signing half of the caller proof (domain/caller_proof.py): a client interceptor that puts
an HMAC header on every workflow start, update and signal this client sends.

Only the API, the enrollment worker (its ticket coordinator signals applications) and the `ruji`
operator tools hold the key ring; the vision worker and the Temporal Web UI do not. Same ring
format and rotation as the codec keys (infra/keyring.py): prepend a new key, keep the old ones
until no open workflow was signalled under them (signals are checked again on replay).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.client import (
    Interceptor,
    OutboundInterceptor,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)

from domain.caller_proof import HEADER, ProofKind, digest_of, sign, update_proof_name
from infra.config import Settings
from infra.keyring import KeyRing, resolve_key_ring

__all__ = ["CallerProofSigner", "caller_proof_ring", "dev_caller_proof_key_path"]


def dev_caller_proof_key_path(var_dir: Path) -> Path:
    return var_dir / "secrets" / "caller-proof-keys"


def caller_proof_ring(settings: Settings) -> KeyRing:
    """RUJI_CALLER_PROOF_KEYS; in dev/test with nothing set, var/secrets/caller-proof-keys."""
    return resolve_key_ring(
        settings.caller_proof_keys,
        env=settings.env,
        dev_path=dev_caller_proof_key_path(settings.var_dir),
    )


class CallerProofSigner(Interceptor):
    """Client interceptor: ``interceptors=[CallerProofSigner(ring, "api")]`` on connect."""

    def __init__(self, ring: KeyRing, issuer: str, clock: Callable[[], float] = time.time):
        self.ring, self.issuer, self.clock = ring, issuer, clock

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _SigningOutbound(next, self)

    def header(self, kind: ProofKind, workflow_id: str, name: str, args: Sequence[Any]) -> Payload:
        proof = sign(
            self.ring.current_id,
            self.ring.current_key,
            kind=kind,
            workflow_id=workflow_id,
            name=name,
            issuer=self.issuer,
            issued_at=int(self.clock()),
            digest=digest_of(args),
        )
        return proof.to_payload()


class _SigningOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, signer: CallerProofSigner):
        super().__init__(next)
        self.signer = signer

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        if input.start_signal is not None:
            # one header would cover the start and the signal; no caller of ours needs this
            raise ValueError("signal-with-start carries no caller proof for its signal")
        proof = self.signer.header(ProofKind.START, input.id, input.workflow, input.args)
        input.headers = {**input.headers, HEADER: proof}
        return await super().start_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        proof = self.signer.header(ProofKind.SIGNAL, input.id, input.signal, input.args)
        input.headers = {**input.headers, HEADER: proof}
        await super().signal_workflow(input)

    async def start_workflow_update(
        self, input: StartWorkflowUpdateInput
    ) -> WorkflowUpdateHandle[Any]:
        input.update_id = input.update_id or str(uuid.uuid4())
        name = update_proof_name(input.update, input.update_id)
        proof = self.signer.header(ProofKind.UPDATE, input.id, name, input.args)
        input.headers = {**input.headers, HEADER: proof}
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        start, update = input.start_workflow_input, input.update_workflow_input
        start.headers = {
            **start.headers,
            HEADER: self.signer.header(ProofKind.START, start.id, start.workflow, start.args),
        }
        update.update_id = update.update_id or str(uuid.uuid4())
        name = update_proof_name(update.update, update.update_id)
        update.headers = {
            **update.headers,
            HEADER: self.signer.header(ProofKind.UPDATE, start.id, name, update.args),
        }
        return await super().start_update_with_start_workflow(input)
