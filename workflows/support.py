"""What the workflows share: activity calls with their options, and refusals answered as update
failures (an activity's own refusal goes to the caller as it is; any other failure stays a
fault that Temporal retries or reports)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from domain.errors import Refusal, RefusedError, refusal_of, to_application_error

#: DB writes of the read model: quick, retried until the DB is back.
PROJECTION_TIMEOUT = timedelta(seconds=30)
PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
#: Vision work: a few seconds of CPU per call (p95 ~5 s under load); a worker that died mid-call
#: is noticed after this and the call retried on another (the fault tests measured 2 min stalls).
VISION_TIMEOUT = timedelta(seconds=45)
VISION_RETRY = RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=2))
#: The vision activities heartbeat every 2 s (activities/heartbeat.py): with this heartbeat
#: timeout a vision worker that died mid-call is noticed in ~10 s instead of 45 s.
VISION_HEARTBEAT_TIMEOUT = timedelta(seconds=10)
#: SMS and gateway calls: short, a few retries, then the candidate is told to try again.
SHORT_CALL_TIMEOUT = timedelta(seconds=30)
SHORT_CALL_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))

P = ParamSpec("P")
R = TypeVar("R")


def answers_refusals(validator: Callable[P, None]) -> Callable[P, None]:
    """For update validators: a domain rule's RefusedError rejects the update with its code and
    message (an ApplicationError), instead of an error the caller cannot read."""

    @functools.wraps(validator)
    def checked(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            validator(*args, **kwargs)
        except RefusedError as refused:
            raise to_application_error(refused) from None

    return checked


async def run_activity(
    name: str,
    arg: object,
    result_type: type[R],
    *,
    timeout: timedelta,
    retry: RetryPolicy,
    task_queue: str | None = None,
    heartbeat_timeout: timedelta | None = None,
    fault: Refusal | None = None,
) -> R:
    """`fault` is what the candidate is told when the activity fails without a refusal of its
    own (e.g. CHSI unreachable after the retries); without it the failure stays a fault."""
    try:
        result: R = await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            task_queue=task_queue,
            start_to_close_timeout=timeout,
            heartbeat_timeout=heartbeat_timeout,
            retry_policy=retry,
        )
    except ActivityError as err:
        raise _passed_on(err, fault) from None
    return result


async def run_short_call(name: str, arg: object, result_type: type[R]) -> R:
    """SMS and other short I/O, as a local activity: no task-queue round trip."""
    try:
        result: R = await workflow.execute_local_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=SHORT_CALL_TIMEOUT,
            retry_policy=SHORT_CALL_RETRY,
        )
    except ActivityError as err:
        raise _passed_on(err) from None
    return result


def _passed_on(err: ActivityError, fault: Refusal | None = None) -> BaseException:
    refused = refusal_of(err) or fault
    return to_application_error(refused) if refused else err


def with_report(first: Refusal, report: dict[str, Any]) -> BaseException:
    """The first refusal of a vision step, with the whole report for the client to show; what
    the refusal itself says in `details` (the side and field of an ID-card refusal) stays."""
    own = first.details if isinstance(first.details, dict) else {}
    return to_application_error(first.model_copy(update={"details": {**report, **own}}))
