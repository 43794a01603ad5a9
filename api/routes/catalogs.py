"""The code tables the clients show in their selects. Served from `domain/catalogs.py`, the same
tables the form validation in the workflow checks against, so a client can never offer a code the
workflow refuses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import SessionDep
from domain.catalogs import (
    HOUSEHOLD_TYPES,
    MAJORS,
    OCCUPATIONS,
    POLITICAL_STATUS,
    PROVINCES,
    REGIONS,
    Major,
)
from domain.ethnicities import ETHNICITIES
from domain.ids import PERIOD_ID_PATTERN
from domain.majors import MajorChoice
from domain.notice import Notice, current_notice
from domain.states import STATE_LABELS
from infra.majors import offered_majors

router = APIRouter(prefix="/api/v1", tags=["catalogs"])

ID_TYPE_LABELS = {
    "resident_id": "居民身份证",
    "hmt_residence": "港澳台居民居住证",
    "passport": "护照/通行证",
}


class MajorEntry(BaseModel):
    code: str
    name: str
    level: str
    level_label: str
    restricted: bool


def major_entry(m: Major | MajorChoice) -> MajorEntry:
    return MajorEntry(
        code=m.code,
        name=m.name,
        level=m.level.value,
        level_label=m.level.label,
        restricted=m.restricted,
    )


class Catalogs(BaseModel):
    region: dict[str, str]
    major: list[MajorEntry]
    political_status: dict[str, str]
    occupation: dict[str, str]
    household_type: dict[str, str]
    province: dict[str, str]
    ethnicity: dict[str, str]
    id_type: dict[str, str]
    state: dict[str, str]


@router.get("/catalogs")
def catalogs(response: Response) -> Catalogs:
    """Public and read-only; cached briefly by the client."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return Catalogs(
        region=REGIONS,
        major=[major_entry(m) for m in MAJORS],
        political_status=POLITICAL_STATUS,
        occupation=OCCUPATIONS,
        household_type=HOUSEHOLD_TYPES,
        province=PROVINCES,
        ethnicity=dict(ETHNICITIES),
        id_type=ID_TYPE_LABELS,
        state={k.value: v for k, v in STATE_LABELS.items()},
    )


class PeriodMajor(MajorEntry):
    #: Attachment 1's condition, shown when the candidate picks a restricted major
    condition_text: str
    version: int


def _period_major(m: MajorChoice) -> PeriodMajor:
    return PeriodMajor(
        **major_entry(m).model_dump(), condition_text=m.condition_text, version=m.version
    )


@router.get("/majors")
def period_majors(
    session: SessionDep,
    response: Response,
    period_id: Annotated[str, Query(pattern=PERIOD_ID_PATTERN)],
) -> list[PeriodMajor]:
    """The majors a period offers now, as admins edited them (public, cached one minute: an
    edit reaches candidates within that)."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return [_period_major(m) for m in offered_majors(session, period_id)]


@router.get("/notice")
def notice(response: Response) -> Notice:
    """《新生入籍须知》 and its version, which the candidate's acceptance names."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return current_notice()
