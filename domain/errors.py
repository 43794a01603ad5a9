"""Refusals that cross the Temporal boundary and reach a person: a stable code plus Chinese text."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Refusal(BaseModel):
    """Why a step was refused. `code` is stable for clients; `message` is what the person reads."""

    code: str
    message: str
    measured: Any = None
    expected: Any = None


class RefusedError(Exception):
    """Raised by pure domain code; workflows turn it into an ApplicationError, the API into 4xx."""

    def __init__(self, code: str, message: str, *, measured: Any = None, expected: Any = None):
        super().__init__(f"{code}: {message}")
        self.refusal = Refusal(code=code, message=message, measured=measured, expected=expected)
