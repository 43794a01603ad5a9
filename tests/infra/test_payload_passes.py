"""The workers' one walk over a workflow task's payloads (infra/payload_passes.py) does what the
SDK's three walks do, on every kind of payload holder an enrollment case's tasks carry."""

from __future__ import annotations

import dataclasses

import pytest
import temporalio.bridge.worker as bridge_worker
from temporalio.api.common.v1 import Payload
from temporalio.bridge.proto.activity_result import ActivityResolution, Success
from temporalio.bridge.proto.workflow_activation import (
    DoUpdate,
    InitializeWorkflow,
    ResolveActivity,
    SignalWorkflow,
    WorkflowActivation,
    WorkflowActivationJob,
)
from temporalio.bridge.proto.workflow_commands import (
    CompleteWorkflowExecution,
    ScheduleActivity,
    ScheduleLocalActivity,
    UpdateResponse,
    WorkflowCommand,
)
from temporalio.bridge.proto.workflow_completion import (
    Success as CompletionSuccess,
)
from temporalio.bridge.proto.workflow_completion import (
    WorkflowActivationCompletion,
)
from temporalio.converter import ExternalStorage, StorageDriver

from infra import payload_passes
from infra.codec import EncryptionCodec, build_data_converter
from infra.keyring import new_key_entry, parse_key_ring
from infra.temporal import workflow_runner

CONVERTER = build_data_converter(EncryptionCodec(parse_key_ring(new_key_entry("walks"))))


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'"{text}"'.encode())


def activation(p: list[Payload]) -> WorkflowActivation:
    return WorkflowActivation(
        run_id="r",
        jobs=[
            WorkflowActivationJob(
                initialize_workflow=InitializeWorkflow(
                    workflow_type="EnrollmentWorkflow", arguments=[p[0]], headers={"h": p[1]}
                )
            ),
            WorkflowActivationJob(
                do_update=DoUpdate(id="u", name="submit", input=[p[2], p[3]], headers={"h": p[4]})
            ),
            WorkflowActivationJob(signal_workflow=SignalWorkflow(signal_name="s", input=[p[5]])),
            WorkflowActivationJob(
                resolve_activity=ResolveActivity(
                    seq=1, result=ActivityResolution(completed=Success(result=p[6]))
                )
            ),
        ],
    )


def completion(p: list[Payload]) -> WorkflowActivationCompletion:
    commands = [
        WorkflowCommand(
            schedule_activity=ScheduleActivity(
                seq=1, activity_type="read_id_card", arguments=[p[0]], headers={"h": p[1]}
            )
        ),
        WorkflowCommand(
            schedule_local_activity=ScheduleLocalActivity(
                seq=2, activity_type="project_application", arguments=[p[2]]
            )
        ),
        WorkflowCommand(update_response=UpdateResponse(protocol_instance_id="u", completed=p[3])),
        WorkflowCommand(complete_workflow_execution=CompleteWorkflowExecution(result=p[4])),
    ]
    return WorkflowActivationCompletion(run_id="r", successful=CompletionSuccess(commands=commands))


PLAIN = [plain(f"値 {i}") for i in range(7)]


async def test_an_activation_is_decoded_as_the_sdk_decodes_it():
    encoded = await CONVERTER.payload_codec.encode(PLAIN)  # type: ignore[union-attr]
    by_sdk, by_one_walk = activation(encoded), activation(encoded)
    await payload_passes.SDK_DECODE_ACTIVATION(by_sdk, CONVERTER, True, 1)
    await payload_passes.decode_activation(by_one_walk, CONVERTER, True, 1)
    assert by_one_walk == by_sdk == activation(PLAIN)


async def test_a_completion_is_encoded_as_the_sdk_encodes_it():
    by_sdk, by_one_walk = completion(PLAIN), completion(PLAIN)
    await payload_passes.SDK_ENCODE_COMPLETION(by_sdk, CONVERTER, True, 1)
    await payload_passes.encode_completion(by_one_walk, CONVERTER, True, 1)
    assert by_one_walk != completion(PLAIN)  # encrypted (each with its own nonce) ...
    for done in (by_sdk, by_one_walk):  # ... and both decrypt to what was sent
        commands = done.successful.commands
        sent = [
            commands[0].schedule_activity.arguments[0],
            commands[0].schedule_activity.headers["h"],
            commands[1].schedule_local_activity.arguments[0],
            commands[2].update_response.completed,
            commands[3].complete_workflow_execution.result,
        ]
        assert all(p.metadata["encoding"] != b"json/plain" for p in sent)
        assert await CONVERTER.payload_codec.decode(sent) == PLAIN[:5]  # type: ignore[union-attr]


class UnusedDriver(StorageDriver):
    """Only for the converter to have external storage; the walk is not run to its driver."""

    def name(self) -> str:
        return "unused"

    async def store(self, *args: object, **kwargs: object):  # type: ignore[override]
        raise AssertionError("not reached")

    async def retrieve(self, *args: object, **kwargs: object):  # type: ignore[override]
        raise AssertionError("not reached")


async def test_with_external_storage_the_sdk_walks_as_before(monkeypatch):
    calls: list[str] = []

    async def sdk_decode(*args: object) -> None:
        calls.append("decode")

    async def sdk_encode(*args: object) -> None:
        calls.append("encode")

    monkeypatch.setattr(payload_passes, "SDK_DECODE_ACTIVATION", sdk_decode)
    monkeypatch.setattr(payload_passes, "SDK_ENCODE_COMPLETION", sdk_encode)
    storage = ExternalStorage(drivers=[UnusedDriver()])
    stored = dataclasses.replace(CONVERTER, external_storage=storage)
    await payload_passes.decode_activation(activation(PLAIN), stored, True, 4)
    await payload_passes.encode_completion(completion(PLAIN), stored, True, 4)
    assert calls == ["decode", "encode"]


def test_every_worker_walks_once():
    workflow_runner()
    assert bridge_worker.decode_activation is payload_passes.decode_activation
    assert bridge_worker.encode_completion is payload_passes.encode_completion


@pytest.fixture(autouse=True)
def _sdk_functions_restored(monkeypatch):
    monkeypatch.setattr(bridge_worker, "decode_activation", bridge_worker.decode_activation)
    monkeypatch.setattr(bridge_worker, "encode_completion", bridge_worker.encode_completion)
