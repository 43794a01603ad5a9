"""Majors as a period offers them: the seed table (domain/catalogs.MAJORS) overlaid by the
admins' editions for that period (infra/majors.py). An edition is never changed, only followed
by the next version, so what a candidate was shown stays on record.

The API resolves the chosen major into `EnrollmentForm.major_choice` when the form is saved, so
the workflow decides on the edition the candidate saw — recorded in its history — and a later
edit applies to new choices only. Forms saved before (no `major_choice`) keep the seed lookup."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from domain.attachments import RESTRICTED_MAJORS
from domain.catalogs import MAJORS, MAJORS_BY_CODE, Level, Major
from domain.errors import RefusalCode, refuse

CONDITION_TEXT_MAX = 1000
#: a major code as the national catalogue writes them: 6 digits, optionally K/T/TK
MAJOR_CODE_PATTERN = r"^[0-9]{6}(K|T|TK)?$"


class MajorRefusal(RefusalCode):
    """The code table of majors: a choice the period does not offer, an edit that is not allowed."""

    MAJOR_NOT_OFFERED = "MAJOR_NOT_OFFERED", "该专业本考期不接受入籍，请重新选择专业"
    MAJOR_ATTACHMENT1_FIXED = (
        "MAJOR_ATTACHMENT1_FIXED",
        "《附件1》所列限制性专业的层次和限制性由招考政策规定，不能在此修改",
    )
    MAJOR_CONDITION_REQUIRED = "MAJOR_CONDITION_REQUIRED", "限制性专业须填写报考条件（附件1条件）"


class MajorChoice(Major):
    """One edition of a major: what candidates are shown, and what a case keeps once chosen."""

    #: Attachment 1's condition, shown to the candidate who picks a restricted major
    condition_text: str = Field(default="", max_length=CONDITION_TEXT_MAX)
    offered: bool = True
    version: int = 0  # 0: the seed table, never edited


class MajorEdit(BaseModel):
    """What an admin sends for one major of one period."""

    name: str = Field(min_length=1, max_length=60)
    level: Level
    restricted: bool = False
    condition_text: str = Field(default="", max_length=CONDITION_TEXT_MAX)
    offered: bool = True


def seed_condition(code: str) -> str:
    """Attachment 1's condition in words, from the proof rules of the restricted majors."""
    major = RESTRICTED_MAJORS.get(code)
    if major is None:
        return ""
    proofs = "；".join(requirement.title for requirement in major.requirements)
    return f"报考{major.name}专业须符合《附件1》的报考条件，并上传：{proofs}。"


def seed_majors() -> list[MajorChoice]:
    return [
        MajorChoice(**major.model_dump(), condition_text=seed_condition(major.code))
        for major in MAJORS
    ]


def effective_majors(latest_editions: Iterable[MajorChoice]) -> list[MajorChoice]:
    """The seed table with each edited major replaced by its latest edition; new codes last."""
    edited = {edition.code: edition for edition in latest_editions}
    seeds = [edited.pop(seed.code, seed) for seed in seed_majors()]
    return seeds + sorted(edited.values(), key=lambda m: (m.level, m.code))


def check_edit(code: str, edit: MajorEdit) -> None:
    """Attachment 1's majors keep their level and their restriction: their proof rules are the
    policy's (domain/attachments.RESTRICTED_MAJORS). Any restricted major needs its condition."""
    fixed = RESTRICTED_MAJORS.get(code)
    if fixed and (edit.level is not fixed.level or not edit.restricted):
        raise refuse(MajorRefusal.MAJOR_ATTACHMENT1_FIXED)
    if edit.restricted and not edit.condition_text.strip():
        raise refuse(MajorRefusal.MAJOR_CONDITION_REQUIRED)


def major_of(code: str, choice: MajorChoice | None) -> Major | None:
    """The major a form names: its resolved edition when the API gave one, else the seed."""
    if choice is not None and choice.code == code:
        return choice
    return MAJORS_BY_CODE.get(code)
