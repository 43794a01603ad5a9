"""A stand-in for the Temporal client the routes hold: it records which workflow each request
reached and with what, and answers what the test scripted (a value, or an exception raised as
the real client raises it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

#: an answer that has not come yet (an update still in the vision queue): set `answer` later
PENDING = object()


@dataclass
class Call:
    workflow_id: str
    name: str  # the update, query or workflow run
    args: tuple[Any, ...]


@dataclass
class Scripted:
    """An answer that depends on what was called before it (a query after an update)."""

    answer: Callable[[], Any]


@dataclass
class TemporalDouble:
    answer: Any = None  # returned; raised if it is an exception
    #: answers by update or query name, before `answer`; a `Scripted` one is asked at the call
    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    #: updates started with `start_update`, by update ID
    updates: dict[str, UpdateHandleDouble] = field(default_factory=dict)

    def get_workflow_handle(self, workflow_id: str) -> HandleDouble:
        return HandleDouble(self, workflow_id)

    def get_workflow_handle_for(self, _run: Any, workflow_id: str) -> HandleDouble:
        return HandleDouble(self, workflow_id)

    #: the update IDs updates were sent with (None: the SDK's own)
    update_ids: list[str | None] = field(default_factory=list)

    async def start_workflow(self, run: Any, arg: Any, *, id: str, **_options: Any) -> Any:
        self.calls.append(Call(id, run.__name__, (arg,)))
        return HandleDouble(self, id)

    async def execute_update_with_start_workflow(
        self, update: Any, *args: Any, start_workflow_operation: Any, id: str | None = None
    ) -> Any:
        start = start_workflow_operation._start_workflow_input  # the SDK keeps it private
        self.calls.append(Call(start.id, start.workflow, tuple(start.args)))
        self.update_ids.append(id)
        return self.reply(start.id, update, args)

    def reply(self, workflow_id: str, fn: Any, args: tuple[Any, ...]) -> Any:
        self.calls.append(Call(workflow_id, fn.__name__, args))
        answer = self.answers.get(fn.__name__, self.answer)
        if isinstance(answer, Scripted):
            answer = answer.answer()
        if isinstance(answer, BaseException):
            raise answer
        return answer


@dataclass
class HandleDouble:
    temporal: TemporalDouble
    id: str

    async def execute_update(self, update: Any, *args: Any, id: str | None = None) -> Any:
        self.temporal.update_ids.append(id)
        return self.temporal.reply(self.id, update, args)

    async def query(self, query: Any, *args: Any) -> Any:
        return self.temporal.reply(self.id, query, args)

    async def describe(self) -> Any:
        """What runs at the ID (registration asks before a start): nothing, unless scripted."""
        answer = self.temporal.answers.get("describe", workflow_not_found())
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def start_update(
        self, update: Any, arg: Any, *, id: str, **_options: Any
    ) -> UpdateHandleDouble:
        """Accepted at once; its answer is the scripted one, kept for `get_update_handle`."""
        self.temporal.calls.append(Call(self.id, update.__name__, (arg,)))
        answer = self.temporal.answers.get(update.__name__, self.temporal.answer)
        self.temporal.updates[id] = handle = UpdateHandleDouble(id, answer)
        return handle

    def get_update_handle(self, id: str, **_options: Any) -> UpdateHandleDouble:
        """An update this double started, or one answered like any other call."""
        self.temporal.calls.append(Call(self.id, "poll_update", (id,)))
        answer = self.temporal.answers.get("poll_update", self.temporal.answer)
        return self.temporal.updates.get(id, UpdateHandleDouble(id, answer))


def workflow_not_found() -> RPCError:
    return RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")


def update_not_found() -> RPCError:
    return RPCError("update not found", RPCStatusCode.NOT_FOUND, b"")


@dataclass
class UpdateHandleDouble:
    id: str
    answer: Any

    async def result(self) -> Any:
        while self.answer is PENDING:  # until the test (another thread) settles it
            await asyncio.sleep(0.01)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def refused(code: str, message: str, **payload: Any) -> WorkflowUpdateFailedError:
    """An update refused by the workflow as it refuses on the wire: an ApplicationError typed
    with the code, its first detail `{code, message, measured?, expected?, details?}`."""
    body = {"code": code, "message": message, **payload}
    return WorkflowUpdateFailedError(ApplicationError(message, body, type=code, non_retryable=True))
