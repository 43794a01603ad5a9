"""The one refusal vocabulary: a stable code with its Chinese message, refused the same way
everywhere.

Each concern declares its codes as a `RefusalCode` subclass next to its rules (identity, CHSI,
photo, face, uploads, SMS, the case steps in domain/messages), each member carrying the message a
person reads. `refuse(code)` is the only way to raise one. Crossing Temporal, a refusal travels
as a non-retryable `ApplicationError` whose type is the code and whose first detail is the
`Refusal`; `to_application_error` and `refusal_of` are the two directions. temporalio's exception
classes are plain data, like the search-attribute keys in domain/search.py, so this stays pure.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel
from temporalio.exceptions import ActivityError, ApplicationError


class RefusalCode(StrEnum):
    """A stable code (the value) with the Chinese message a candidate or examiner reads."""

    _value_: str
    message: str

    def __new__(cls, code: str, message: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member

    @classmethod
    def parse(cls, code: str) -> Self | None:
        found = cls._value2member_map_.get(code)
        return found if isinstance(found, cls) else None


class Refusal(BaseModel):
    """Why a step was refused. `code` is stable for clients; `message` is what the person reads;
    `measured`/`expected` say by how much; `details` carries a structured report (photo rules,
    form problems, the OCR result)."""

    code: str
    message: str
    measured: Any = None
    expected: Any = None
    details: Any = None

    @classmethod
    def of(
        cls,
        code: RefusalCode,
        detail: str | None = None,
        *,
        message: str | None = None,
        measured: Any = None,
        expected: Any = None,
        details: Any = None,
    ) -> Refusal:
        """`detail` is appended to the code's message (「…：detail」); `message` replaces it when
        the text needs the measured values (a side of the card, a size limit)."""
        text = message or code.message
        if detail:
            text = f"{text}：{detail}"
        return cls(
            code=code.value, message=text, measured=measured, expected=expected, details=details
        )


class RefusedError(Exception):
    """A refusal raised by any layer; the workflow and activities send it on as an
    ApplicationError, the API answers it with the code's status."""

    def __init__(self, refusal: Refusal):
        super().__init__(f"{refusal.code}: {refusal.message}")
        self.refusal = refusal


def refuse(code: RefusalCode, detail: str | None = None, **fields: Any) -> RefusedError:
    """`Refusal.of(...)` as an exception to raise; the same arguments."""
    return RefusedError(Refusal.of(code, detail, **fields))


def to_application_error(refusal: Refusal | RefusedError) -> ApplicationError:
    """Non-retryable: a refusal is an answer, retrying it would only repeat it."""
    r = refusal.refusal if isinstance(refusal, RefusedError) else refusal
    return ApplicationError(
        r.message, r.model_dump(mode="json", exclude_none=True), type=r.code, non_retryable=True
    )


def refusal_of(error: BaseException | None) -> Refusal | None:
    """The refusal an ApplicationError carries, looking through an ActivityError (an activity's
    own refusal); None for anything else (a timeout, a crash), which callers treat as a fault."""
    if isinstance(error, ActivityError):
        error = error.cause
    if not isinstance(error, ApplicationError) or not error.type or not error.non_retryable:
        return None
    payload = error.details[0] if error.details and isinstance(error.details[0], dict) else {}
    fields = {k: payload.get(k) for k in ("measured", "expected", "details")}
    return Refusal(code=error.type, message=payload.get("message") or error.message, **fields)
