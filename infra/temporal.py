"""The one Temporal client factory the API, the workers and the tools share: pydantic payloads,
AES-GCM encryption (infra/codec.py), encoded failure messages and, for the callers a workflow
trusts, the caller proof on every start, update and signal (infra/caller_proof.py)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from infra.caller_proof import CallerProofSigner, caller_proof_ring
from infra.codec import EncryptionCodec, build_data_converter, dev_codec_key_path
from infra.config import Settings
from infra.keyring import resolve_key_ring
from infra.payload_passes import install as walk_payloads_once
from infra.sandbox_runner import DirectContextSandboxRunner


def codec_for(settings: Settings) -> EncryptionCodec:
    ring = resolve_key_ring(
        settings.codec_keys, env=settings.env, dev_path=dev_codec_key_path(settings.var_dir)
    )
    return EncryptionCodec(ring)


def data_converter(settings: Settings) -> DataConverter:
    return build_data_converter(codec_for(settings))


async def connect(settings: Settings, *, signs_as: str | None = None) -> Client:
    """``signs_as`` names a trusted caller ("api", "worker", "cli"); it needs the caller-proof
    ring. Without it the client can read and query but no workflow believes what it sends."""
    interceptors = (
        [] if signs_as is None else [CallerProofSigner(caller_proof_ring(settings), signs_as)]
    )
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=interceptors,
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox still guards every workflow against non-determinism, but imports pass through:
    re-importing modules for each new workflow run cost ~15 % of the worker's CPU (py-spy, see
    docs/benchmarks.md). Determinism of our own modules is kept by the layering rule: workflows
    import only domain/ (pure) and temporalio. Payload-context lookups bypass the sandbox
    (infra/sandbox_runner.py): they run SDK code only, and cost more than the workflows. Every
    worker takes its runner from here, so this is also where the workers' payloads are set to be
    walked once per workflow task (infra/payload_passes.py)."""
    walk_payloads_once()
    return DirectContextSandboxRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
    )
