"""「请到考区现场核验」: a candidate the live face check cannot pass (FACE_LOCKED_TODAY sends him to
the office) shows his ID card at the counter; an examiner finds his case by the card's number,
compares the card and the person with the portraits on file and records the check in person
(the workflow's `verify_face_on_site`: the step passes, the case is flagged for review, the
examiner and his reason are kept in the case).

Examiners otherwise see submitted cases only: here, and for this alone, they find a case in its
face step, before submission too. Before the form a case has no region yet (the candidate's
考区 is the office he walks into), so any examiner may; once it has one, as for every examiner
action, only its region's examiners and admins."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from api.applications import application_handle, run_query, run_update
from api.deps import ExaminerDep, Services, ServicesDep, SessionDep, run_db
from api.errors import ApiError
from api.routes.office_find import CaseRow, case_row, key_filters
from api.text_fields import CleanText
from domain.case_rules import return_pending
from domain.enrollment import ApplicationView, CaseFile, EnrollmentState, OnSiteFaceCheck
from domain.messages import AccessRefusal, CaseRefusal
from domain.roles import Role
from domain.states import AppState
from infra.db import Application
from infra.majors import names_in_periods
from infra.staff_audit import AuditFilters, record
from infra.storage import sign_object_url
from infra.tokens import Principal
from workflows.enrollment import EnrollmentWorkflow

router = APIRouter(prefix="/api/v1/examiner", tags=["examiner"])

#: the workflow's refusal (WRONG_STATE) said for this action: not reached, passed, or ended
NOT_AT_FACE_STEP = "该考生当前不在人脸核验步骤（尚未到达、已通过或申请已结束），无需现场核验"
#: read-model states a case in its face step can show; the workflow decides (`_needs_face`)
FACE_STEP_STATES = (AppState.FACE_PENDING, AppState.RETURNED)


class FaceStepCase(BaseModel):
    """A case waiting for its face check, as the counter sees it: masked, with the portraits to
    compare with the person (short-lived signed URLs)."""

    row: CaseRow
    #: failed live checks so far; today's count is what locked the step
    face_attempts: int
    files: dict[str, str]  # id_portrait, photo, face_frame -> signed URL


class FaceStepCases(BaseModel):
    cases: list[FaceStepCase]


class OnSiteReport(CleanText):
    """What the examiner checked in person; kept in the case with his account."""

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ] = Field(examples=["考区现场核验本人与身份证一致"])


def _reachable(me: Principal, region: str | None) -> bool:
    return me.role == Role.ADMIN or region is None or region in me.regions


def _scope(me: Principal) -> list[ColumnElement[bool]]:
    if me.role == Role.ADMIN:
        return []
    return [or_(col(Application.region).is_(None), col(Application.region).in_(me.regions))]


def _face_step_rows(
    session: Session, me: Principal, id_number: ColumnElement[bool]
) -> list[Application]:
    states = [s.value for s in FACE_STEP_STATES]
    query = select(Application).where(id_number, col(Application.status).in_(states), *_scope(me))
    return list(session.exec(query.order_by(col(Application.updated_at).desc())))


def _needs_face(case: EnrollmentState) -> bool:
    """At the face step, or returned and still to pass it (the list the candidate is shown)."""
    return case.state == AppState.FACE_PENDING or "face" in return_pending(case)


def _portraits(services: Services, case: EnrollmentState) -> dict[str, str]:
    shown = (
        ("id_portrait", case.id_card.portrait),
        ("photo", case.photo.official),
        ("face_frame", case.face.best_frame),
    )
    key = services.settings.secret_key
    return {kind: sign_object_url(key, obj.key) for kind, obj in shown if obj}


async def _face_step_case(
    services: Services, row: Application, major_names: Mapping[tuple[str, str], str]
) -> FaceStepCase | None:
    handle = application_handle(services.client(), row.workflow_id)
    case_file: CaseFile = await run_query(handle, EnrollmentWorkflow.case_file)
    case = case_file.state
    if not _needs_face(case):
        return None
    files = _portraits(services, case)
    return FaceStepCase(
        row=case_row(row, major_names), face_attempts=case.face.attempts, files=files
    )


@router.get("/face-on-site")
async def find_face_step_cases(
    services: ServicesDep,
    session: SessionDep,
    me: ExaminerDep,
    id_number: Annotated[str, Query(min_length=1, max_length=40)],
) -> FaceStepCases:
    """The cases of this ID number waiting for their face check (one per phone that registered
    it). The search is audited by its kind, never its value."""
    keys = key_filters(services.settings, id_number=id_number, phone=None, name=None, ticket=None)
    rows = await run_db(session, _face_step_rows, me, keys["id_number"])
    names = await run_db(session, names_in_periods, {row.period_id for row in rows})
    found = [c for row in rows if (c := await _face_step_case(services, row, names)) is not None]
    audit: AuditFilters = {"by": ["id_number"], "for": "face_on_site"}
    await asyncio.to_thread(record, services.engine, me.sub, "search", audit, len(found))
    return FaceStepCases(cases=found)


def _reachable_case(session: Session, me: Principal, application_id: str) -> Application:
    row = session.get(Application, application_id)
    if row is None:
        raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND)
    if not _reachable(me, row.region):
        raise ApiError(AccessRefusal.REGION_FORBIDDEN)
    return row


@router.post("/applications/{application_id}/face-on-site")
async def record_face_on_site(
    application_id: str,
    body: OnSiteReport,
    services: ServicesDep,
    session: SessionDep,
    me: ExaminerDep,
) -> ApplicationView:
    """The workflow decides the state: only a case in its face step takes it (409 WRONG_STATE
    otherwise, with nothing recorded)."""
    await run_db(session, _reachable_case, me, application_id)
    handle = application_handle(services.client(), application_id)
    check = OnSiteFaceCheck(examiner=me.sub, reason=body.reason)
    try:
        return await run_update(handle, EnrollmentWorkflow.verify_face_on_site, check)
    except ApiError as exc:
        if exc.body.code == CaseRefusal.WRONG_STATE:
            raise ApiError(CaseRefusal.WRONG_STATE, NOT_AT_FACE_STEP) from None
        raise
