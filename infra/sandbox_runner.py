"""The workflow sandbox, minus its cost per payload.

For every payload a worker encodes or decodes, the SDK asks the workflow instance which
serialization and external-storage context applies. The sandboxed instance answers by
compiling and `exec`-ing a snippet under the sandbox's importer, only to call the SDK's own
lookup (`_WorkflowInstanceImpl.get_serialization_context`: dictionary reads of pending
activities and children, no workflow code). That detour was ~15 % of the enrollment worker's
Python CPU in `ruji bench orchestration` (py-spy), more than running the workflow code itself.

Here those two lookups call the same SDK method directly, and the snippets the sandbox still
runs (one per activation) are compiled once per text, not at every `exec` (compiling the
activation's snippet was ~4 % of the bench process's CPU, py-spy). Activations (every line of
workflow code) still run inside the sandbox, so it guards against non-determinism as before, and
the answers are the same objects, so payloads, commands and histories are unchanged. The hooks are
private to temporalio (pinned in uv.lock): tests/workflows/test_sandbox_runner.py fails if an
upgrade moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any

from temporalio.converter import SerializationContext
from temporalio.converter._extstore import StorageDriverStoreContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._in_sandbox import InSandbox
from temporalio.worker.workflow_sandbox._runner import _Instance

_IN_SANDBOX = "__temporal_in_sandbox"  # where _Instance keeps its InSandbox


@lru_cache(maxsize=16)
def _compiled(code: str) -> CodeType:
    return compile(code, "<string>", "exec")  # the name `exec` gives a text it compiles


class _DirectContextInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        # `exec` takes a code object as it takes text; the SDK passes `code` only to it
        super()._run_code(_compiled(code), **extra_globals)  # type: ignore[arg-type]

    def _in_sandbox(self) -> InSandbox:
        in_sandbox: InSandbox = self.globals_and_locals[_IN_SANDBOX]  # type: ignore[assignment]
        return in_sandbox

    def get_serialization_context(
        self, command_info: CommandInfo | None
    ) -> SerializationContext | None:
        return self._in_sandbox().get_serialization_context(command_info)

    def get_external_store_context(
        self, command_info: CommandInfo | None
    ) -> StorageDriverStoreContext:
        return self._in_sandbox().get_external_store_context(command_info)


@dataclass(frozen=True)
class DirectContextSandboxRunner(SandboxedWorkflowRunner):
    """A SandboxedWorkflowRunner whose payload-context lookups skip the sandbox detour."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _DirectContextInstance(det, self.runner_class, self.restrictions)
