"""The code tables the clients show in their selects. Served from `domain/catalogs.py`, the same
tables the form validation in the workflow checks against, so a client can never offer a code the
workflow refuses."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from domain.catalogs import (
    HOUSEHOLD_TYPES,
    MAJORS,
    OCCUPATIONS,
    POLITICAL_STATUS,
    PROVINCES,
    REGIONS,
)
from domain.ethnicities import ETHNICITIES
from domain.states import STATE_LABELS

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
        major=[
            MajorEntry(
                code=m.code,
                name=m.name,
                level=m.level.value,
                level_label=m.level.label,
                restricted=m.restricted,
            )
            for m in MAJORS
        ],
        political_status=POLITICAL_STATUS,
        occupation=OCCUPATIONS,
        household_type=HOUSEHOLD_TYPES,
        province=PROVINCES,
        ethnicity=dict(ETHNICITIES),
        id_type=ID_TYPE_LABELS,
        state={k.value: v for k, v in STATE_LABELS.items()},
    )
