"""Business refusals leave activities as non-retryable ApplicationErrors carrying the Refusal."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from domain.errors import RefusedError


def as_application_error(exc: RefusedError) -> ApplicationError:
    r = exc.refusal
    return ApplicationError(r.message, r.model_dump(mode="json"), type=r.code, non_retryable=True)
