"""Request models whose every string is bounded and clean (domain/text_limits.py), checked while
the body is parsed, before a route can hand a value to Temporal. A refusal is FIELD_INVALID with
the field's dotted path in `details.field` (api/errors.validation_handler)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from domain.enrollment import EnrollmentForm
from domain.identity import IdCardFields
from domain.text_limits import field_label, first_text_problem

FIELD_INVALID = "field_invalid"


class CleanText(BaseModel):
    @model_validator(mode="after")
    def _clean_text(self) -> Self:
        found = first_text_problem(self.model_dump())
        if found:
            field, reason = found
            raise PydanticCustomError(
                FIELD_INVALID, "{message}", {"field": field, "message": field_label(field) + reason}
            )
        return self


class FormRequest(EnrollmentForm, CleanText):
    """The enrollment form as the candidate sends it (R7, R10, R12). `notice_version`: the
    notice the candidate accepted on the screen before (R6), sent with the first save;
    `submit`: R13 confirmed in its dialog, with this save."""

    notice_version: str | None = Field(default=None, min_length=1, max_length=20)
    #: R13 with the form (first pass): saved and submitted in one step; a case not ready to
    #: submit keeps the form saved and is refused as `POST /me/submit` refuses
    submit: bool = False

    def to_domain(self) -> EnrollmentForm:
        return EnrollmentForm.model_validate(self.model_dump(exclude={"notice_version", "submit"}))


class IdCardConfirmRequest(IdCardFields, CleanText):
    """The ID card's fields as the candidate confirms or corrects them (R3)."""

    def to_domain(self) -> IdCardFields:
        return IdCardFields.model_validate(self.model_dump())
