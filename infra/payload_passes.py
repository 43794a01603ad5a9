"""One walk over a workflow task's payloads instead of three.

temporalio 1.35 walks every activation it decodes and every completion it encodes three times
(`temporalio.bridge.worker.decode_activation` / `encode_completion`): once for codec-encoded
storage references, once for external storage, once for the codec. The split exists so that
external-storage transfers can run concurrently; we configure no external storage, so two of the
walks change nothing, yet the walking itself was ~2/3 of the visitor's share of the worker's
Python time (py-spy, docs/decisions.md). Without external storage the three steps are applied to
each payload sequence in one walk, in the SDK's own order (as `DataConverter.decode`/`encode`
do); with it, the SDK's functions run unchanged. Relies on private SDK names (temporalio pinned in
uv.lock): tests/infra/test_payload_passes.py compares both ways on every kind of payload holder.

Decrypting is also where a payload nobody signed can stop a case: the codec raises on an
encrypted payload that will not decrypt, and one raise fails the whole workflow task, again at
every retry while the message stays in the history. Anyone who reaches the frontend can send
such a signal (our encoding, a key ID, no valid ciphertext). So the activation's payloads that do
not decrypt reach the workflow as unreadable ones (`UNREADABLE`): the converter refuses them
where they are used — a signal is dropped (the SDK logs it), an update refused, and a workflow
input or activity result that cannot be read fails the workflow task as the raise did."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import temporalio.bridge.worker as bridge_worker
from temporalio.api.common.v1 import Payload
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import DataConverter
from temporalio.converter._extstore import StorageOperationMetrics
from temporalio.worker._command_aware_visitor import CommandAwarePayloadVisitor

from infra.codec import PayloadDecryptionError
from infra.keyring import UnknownKeyError

Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]

SDK_DECODE_ACTIVATION = bridge_worker.decode_activation
#: what an activation holds in place of a payload that did not decrypt: no converter reads it
UNREADABLE = Payload(metadata={"encoding": b"binary/undecryptable"})
SDK_ENCODE_COMPLETION = bridge_worker.encode_completion


async def decode_activation(
    activation: WorkflowActivation,
    data_converter: DataConverter,
    decode_headers: bool,
    storage_concurrency_limit: int,
) -> StorageOperationMetrics:
    if data_converter.external_storage is not None:
        return await SDK_DECODE_ACTIVATION(
            activation, data_converter, decode_headers, storage_concurrency_limit
        )

    dc = data_converter
    steps = _in_turn(
        dc._decode_reference_payload_sequence,
        dc._external_retrieve_payload_sequence,
        _unreadable_marked(dc._decode_payload_sequence),
    )
    await _walk(activation, steps, decode_headers)
    return StorageOperationMetrics()


async def encode_completion(
    completion: WorkflowActivationCompletion,
    data_converter: DataConverter,
    encode_headers: bool,
    storage_concurrency_limit: int,
) -> StorageOperationMetrics:
    if data_converter.external_storage is not None:
        return await SDK_ENCODE_COMPLETION(
            completion, data_converter, encode_headers, storage_concurrency_limit
        )

    dc = data_converter
    steps = _in_turn(
        dc._encode_payload_sequence,
        dc._external_store_payload_sequence,
        dc._encode_reference_payload_sequence,
    )
    await _walk(completion, steps, encode_headers)
    return StorageOperationMetrics()


def _unreadable_marked(decode: Transform) -> Transform:
    """``decode``, with each payload that does not decrypt replaced by ``UNREADABLE``."""

    async def one(payload: Payload) -> Payload:
        try:
            return (await decode([payload]))[0]
        except (PayloadDecryptionError, UnknownKeyError):
            return UNREADABLE

    async def run(payloads: Sequence[Payload]) -> list[Payload]:
        try:
            return await decode(payloads)
        except (PayloadDecryptionError, UnknownKeyError):
            return [await one(p) for p in payloads]

    return run


def _in_turn(*steps: Transform) -> Transform:
    """The SDK's separate walks as one transform of each payload sequence, in the same order."""

    async def run(payloads: Sequence[Payload]) -> list[Payload]:
        for step in steps:
            payloads = await step(payloads)
        return list(payloads)

    return run


async def _walk(
    root: WorkflowActivation | WorkflowActivationCompletion,
    transform: Transform,
    headers: bool,
) -> None:
    visitor = CommandAwarePayloadVisitor(skip_search_attributes=True, skip_headers=not headers)
    await visitor.visit(bridge_worker._Visitor(transform), root)


def install() -> None:
    """For every worker of this process (the SDK looks the functions up at each call)."""
    bridge_worker.decode_activation = decode_activation
    bridge_worker.encode_completion = encode_completion
