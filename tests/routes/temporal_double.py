"""A stand-in for the Temporal client the routes hold: it records which workflow each request
reached and with what, and answers what the test scripted (a value, or an exception raised as
the real client raises it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError


@dataclass
class Call:
    workflow_id: str
    name: str  # the update, query or workflow run
    args: tuple[Any, ...]


@dataclass
class TemporalDouble:
    answer: Any = None  # returned; raised if it is an exception
    #: answers by update or query name, before `answer`
    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def get_workflow_handle(self, workflow_id: str) -> HandleDouble:
        return HandleDouble(self, workflow_id)

    def get_workflow_handle_for(self, _run: Any, workflow_id: str) -> HandleDouble:
        return HandleDouble(self, workflow_id)

    async def start_workflow(self, run: Any, arg: Any, *, id: str, **_options: Any) -> Any:
        self.calls.append(Call(id, run.__name__, (arg,)))
        return HandleDouble(self, id)

    def reply(self, workflow_id: str, fn: Any, args: tuple[Any, ...]) -> Any:
        self.calls.append(Call(workflow_id, fn.__name__, args))
        answer = self.answers.get(fn.__name__, self.answer)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@dataclass
class HandleDouble:
    temporal: TemporalDouble
    id: str

    async def execute_update(self, update: Any, *args: Any) -> Any:
        return self.temporal.reply(self.id, update, args)

    async def query(self, query: Any, *args: Any) -> Any:
        return self.temporal.reply(self.id, query, args)


def refused(code: str, message: str, **payload: Any) -> WorkflowUpdateFailedError:
    """An update refused by the workflow as it refuses on the wire: an ApplicationError typed
    with the code, its first detail `{code, message, measured?, expected?, details?}`."""
    body = {"code": code, "message": message, **payload}
    return WorkflowUpdateFailedError(ApplicationError(message, body, type=code, non_retryable=True))
