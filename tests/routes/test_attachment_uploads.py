"""A candidate's PDF upload as the route judges it before the workflow: a case that takes no
attachment now, or a code off its checklist, is refused with the workflow's own code before
anything is rendered or stored; a PDF finding every render slot taken is asked to come back in
a few seconds; an ordinary proof is rendered and handed to the workflow as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.routes import attachments
from domain.enrollment import CaseFile, EnrollmentForm, EnrollmentState, Identity
from domain.messages import CaseRefusal
from domain.states import AppState
from infra import pdf_proofs
from infra.pdf_proofs import MAX_RENDERS, render_slot
from synthetic.forms import form_fields
from tests.infra.test_pdf_proofs import pdf
from tests.routes.conftest import MINE, PERIOD, bearer
from tests.routes.temporal_double import TemporalDouble

#: a restricted major (护理): its checklist asks for one of three proofs, this among them
RESTRICTED_FORM = EnrollmentForm(**form_fields(major="520201"))
WANTED = "NURSE_QUALIFICATION_CERT"
ME = bearer(MINE, "candidate")


def _case(state: AppState) -> CaseFile:
    return CaseFile(
        application_id=MINE,
        period_id=PERIOD,
        identity=Identity(id_number="430104199903120012", phone="13900001111"),
        state=EnrollmentState(state=state, form=RESTRICTED_FORM),
    )


def _upload(http: TestClient, code: str = WANTED):
    return http.post(
        f"/api/v1/me/attachments/{code}",
        files={"file": ("证明.pdf", pdf(), "application/pdf")},
        headers=ME,
    )


def _stored(services: Services) -> set[Path]:
    """The candidate's stored attachments (the app, and its store, serve the whole package)."""
    root = Path(services.settings.var_dir) / "objects" / MINE / "attachments"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def no_render(monkeypatch) -> None:
    async def render_preview(_data: bytes) -> bytes:
        raise AssertionError("rendered a PDF the case cannot take")

    monkeypatch.setattr(attachments, "render_preview", render_preview)


@pytest.mark.parametrize(
    ("state", "code", "refusal", "status"),
    [
        # as a removal answers (both said 「不能修改」 with different codes)
        (AppState.UNDER_REVIEW, WANTED, CaseRefusal.UNDER_REVIEW_LOCKED, 409),
        (AppState.APPROVED, WANTED, CaseRefusal.UNDER_REVIEW_LOCKED, 409),
        (AppState.WITHDRAWN, WANTED, CaseRefusal.WRONG_STATE, 409),
        (AppState.PHOTO_PENDING, WANTED, CaseRefusal.STEP_NOT_REACHED, 422),
        (AppState.DRAFT, "XUELI_PROOF", CaseRefusal.ATTACHMENT_NOT_REQUIRED, 422),
        (AppState.SUBMITTED, "DIPLOMA", CaseRefusal.ATTACHMENT_NOT_REQUIRED, 422),
    ],
    ids=["under-review", "approved", "withdrawn", "before-draft", "off-checklist", "submitted"],
)
def test_what_the_case_cannot_take_is_refused_before_any_render(
    http: TestClient,
    temporal: TemporalDouble,
    app_services: tuple[TestClient, Services],
    no_render: None,
    state: AppState,
    code: str,
    refusal: CaseRefusal,
    status: int,
) -> None:
    temporal.answers["case_file"] = _case(state)
    stored = _stored(app_services[1])
    r = _upload(http, code)
    assert (r.status_code, r.json()["code"]) == (status, refusal.value), r.text
    # a refusal for where the case stands names it (「…审核已结束，不能修改」)
    told = "不能修改" if refusal == CaseRefusal.UNDER_REVIEW_LOCKED else refusal.message
    assert told.removeprefix("当前状态") in r.json()["message"], r.text
    assert [c.name for c in temporal.calls] == ["case_file"]  # no update
    assert _stored(app_services[1]) == stored


@pytest.mark.parametrize("state", [AppState.DRAFT, AppState.SUBMITTED, AppState.RETURNED])
def test_a_proof_the_case_asks_for_is_rendered_and_handed_to_the_workflow(
    http: TestClient, temporal: TemporalDouble, state: AppState
) -> None:
    temporal.answers["case_file"] = _case(state)
    r = _upload(http)
    assert r.status_code == 200, r.text
    (update,) = [c for c in temporal.calls if c.name == "upload_attachment"]
    assert update.args[0].code == WANTED and update.args[0].file.preview is not None


@pytest.fixture
def render_slots_taken(http: TestClient, monkeypatch) -> Iterator[None]:
    """Every render slot of the app's event loop taken, as by two pages built to be slow."""
    monkeypatch.setattr(pdf_proofs, "RENDER_QUEUE_S", 0.1)
    held = AsyncExitStack()

    async def take() -> None:
        for _ in range(MAX_RENDERS):
            await held.enter_async_context(render_slot())

    assert http.portal is not None
    http.portal.call(take)
    yield
    http.portal.call(held.aclose)


def test_a_pdf_finding_every_render_slot_taken_is_asked_to_come_back(
    http: TestClient,
    temporal: TemporalDouble,
    app_services: tuple[TestClient, Services],
    render_slots_taken: None,
) -> None:
    temporal.answers["case_file"] = _case(AppState.DRAFT)
    stored = _stored(app_services[1])
    r = _upload(http)
    assert r.status_code == 429, r.text
    assert r.json()["code"] == "TOO_MANY_CONCURRENT"
    assert r.json()["message"] == "当前办理人数较多，请稍候几秒再试"
    assert 3 <= int(r.headers["retry-after"]) <= 6
    assert [c.name for c in temporal.calls] == ["case_file"]
    assert _stored(app_services[1]) == stored
