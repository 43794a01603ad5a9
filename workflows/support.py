"""Helpers shared by the workflows: refusals as ApplicationErrors, activity options."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from domain.errors import Refusal, RefusedError
from domain.messages import MESSAGES

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
#: To take effect, `_vision` in workflows/enrollment.py passes `heartbeat_timeout=` this.
VISION_HEARTBEAT_TIMEOUT = timedelta(seconds=10)
#: SMS and gateway calls: short, a few retries, then the candidate is told to try again.
SHORT_CALL_TIMEOUT = timedelta(seconds=30)
SHORT_CALL_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))


def refusal(code: str, detail: str | None = None, *, details: object = None) -> ApplicationError:
    message = MESSAGES.get(code, code)
    if detail:
        message = f"{message}：{detail}"
    payload = Refusal(code=code, message=message).model_dump(mode="json")
    if details is not None:
        payload["details"] = details
    return ApplicationError(message, payload, type=code, non_retryable=True)


def from_refused(exc: RefusedError) -> ApplicationError:
    r = exc.refusal
    return ApplicationError(r.message, r.model_dump(mode="json"), type=r.code, non_retryable=True)


def business_refusal(err: ActivityError) -> ApplicationError | None:
    """The activity's own refusal (non-retryable ApplicationError), to pass on to the caller."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.non_retryable:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return None
