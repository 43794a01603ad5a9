"""The one Temporal client factory the API, the workers and the tools share: pydantic payloads,
AES-GCM encryption (infra/codec.py) and encoded failure messages."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from infra.codec import EncryptionCodec, build_data_converter, dev_codec_key_path
from infra.config import Settings
from infra.keyring import resolve_key_ring


def codec_for(settings: Settings) -> EncryptionCodec:
    ring = resolve_key_ring(
        settings.codec_keys, env=settings.env, dev_path=dev_codec_key_path(settings.var_dir)
    )
    return EncryptionCodec(ring)


def data_converter(settings: Settings) -> DataConverter:
    return build_data_converter(codec_for(settings))


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox still guards every workflow against non-determinism, but imports pass through:
    re-importing modules for each new workflow run cost ~15 % of the worker's CPU (py-spy, see
    docs/benchmarks.md). Determinism of our own modules is kept by the layering rule: workflows
    import only domain/ (pure) and temporalio."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
    )
