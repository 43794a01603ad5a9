"""The worker's sandbox runner (infra/sandbox_runner.py) answers the payload-context lookups
directly, with what the sandbox's own detour answers, and committed histories replay under it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import SerializationContext
from temporalio.converter._extstore import StorageDriverStoreContext
from temporalio.worker import Replayer, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox._runner import _Instance

from infra.keyring import parse_key_ring
from infra.sandbox_runner import DirectContextSandboxRunner, _compiled, _DirectContextInstance
from infra.temporal import workflow_runner
from tests.replay.record_histories import RECORDING_PROOF_KEY, WORKFLOW_IDS
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow

HISTORIES = Path(__file__).parent.parent / "replay" / "histories"
compared: list[str] = []


class _ComparingInstance(_DirectContextInstance):
    def get_serialization_context(
        self, command_info: CommandInfo | None
    ) -> SerializationContext | None:
        direct = super().get_serialization_context(command_info)
        assert direct == _Instance.get_serialization_context(self, command_info)
        compared.append("serialization")
        return direct

    def get_external_store_context(
        self, command_info: CommandInfo | None
    ) -> StorageDriverStoreContext:
        direct = super().get_external_store_context(command_info)
        assert direct == _Instance.get_external_store_context(self, command_info)
        compared.append("external store")
        return direct


@dataclass(frozen=True)
class _ComparingRunner(DirectContextSandboxRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _ComparingInstance(det, self.runner_class, self.restrictions)


async def _replay(name: str, runner: DirectContextSandboxRunner) -> None:
    replayer = Replayer(
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow],
        data_converter=pydantic_data_converter,
        interceptors=[CallerProofChecker(parse_key_ring(RECORDING_PROOF_KEY), max_age=None)],
        workflow_runner=runner,
    )
    workflow_id = json.loads(WORKFLOW_IDS.read_text()).get(name, name)
    history = WorkflowHistory.from_json(workflow_id, (HISTORIES / f"{name}.json").read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{name}: {result.replay_failure}"


def test_the_worker_runs_workflows_with_it():
    assert isinstance(workflow_runner(), DirectContextSandboxRunner)


async def test_direct_lookups_answer_as_the_sandbox_does():
    compared.clear()
    restrictions = workflow_runner().restrictions
    await _replay("lean_enrollment_ticket", _ComparingRunner(restrictions=restrictions))
    assert {"serialization", "external store"} <= set(compared)


async def test_histories_replay_under_the_worker_runner():
    for name in ("lean_enrollment_ticket", "lean_period_issued", "enrollment_claim_moves"):
        await _replay(name, workflow_runner())


async def test_the_sandbox_snippets_are_compiled_once_per_text():
    _compiled.cache_clear()
    await _replay("lean_enrollment_ticket", workflow_runner())
    made = _compiled.cache_info()
    assert made.misses <= 4  # the instance's set-up snippets and the activation's
    assert made.hits >= 20  # one per activation after the first
