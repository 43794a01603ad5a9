"""Issue 15, item 5: an ID number squatted from another phone does not block its owner. The
registrations go through the API's start_or_resume (the routing by the read model) and the
workflows run on a time-skipping server of this module (a seat that yielded lingers on a timer).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.applications import start_or_resume
from api.deps import Services
from domain.enrollment import (
    ConfirmIdCardInput,
    IdCardUpload,
    LivenessAnswer,
    OnSiteFaceCheck,
    PhotoUpload,
)
from domain.identity import IdType
from domain.ids import keyed_hash
from domain.messages import IDENTITY_TAKEN_OVER_SMS
from domain.states import AppState
from domain.vision import (
    CHECK_PHOTO,
    VERIFY_FACE,
    CheckPhotoInput,
    PhotoReport,
    VerifyFaceInput,
    VerifyFaceResult,
)
from infra.db import Application, AuditEvent, Period
from infra.sms import last_outbox_text
from tests import stand_ins
from tests.api.test_http_flow import age_codes
from tests.workflows.flow import obj, verify_phone
from tests.workflows.harness import SECRET, Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import refused
from workflows.enrollment import EnrollmentWorkflow

SQUATTER, OWNER, THIRD = "13900007001", "13900007002", "13900007003"

#: files whose key says "slow" wait for this before the face or photo stand-in answers
gate = asyncio.Event()


@activity.defn(name=VERIFY_FACE)
async def gated_verify_face(inp: VerifyFaceInput) -> VerifyFaceResult:
    if any("slow" in f.key for f in inp.frames):
        await gate.wait()
    return await stand_ins.verify_face(inp)


@activity.defn(name=CHECK_PHOTO)
async def gated_check_photo(inp: CheckPhotoInput) -> PhotoReport:
    if "slow" in inp.photo.key:
        await gate.wait()
    return await stand_ins.check_photo(inp)


@dataclass
class World:
    h: Harness
    services: Services
    period: Period

    async def register(self, number: str, phone: str) -> WorkflowHandle:
        with Session(self.h.engine) as session:
            return await start_or_resume(
                self.services, session, self.period, IdType.RESIDENT_ID, number, phone
            )

    def audit(self, workflow_id: str) -> list[tuple[str, str]]:
        with Session(self.h.engine) as session:
            rows = session.exec(
                select(AuditEvent).where(AuditEvent.workflow_id == workflow_id)
            ).all()
        return [(r.actor, r.action) for r in rows]

    async def projected(self, workflow_id: str) -> bool:
        with Session(self.h.engine) as session:
            return session.get(Application, workflow_id) is not None

    def forget(self, workflow_id: str) -> None:
        """As if the application's first commit had not reached the read model yet."""
        with Session(self.h.engine) as session:
            row = session.get(Application, workflow_id)
            if row is not None:
                session.delete(row)
                session.commit()

    def status(self, workflow_id: str) -> str:
        with Session(self.h.engine) as session:
            row = session.get(Application, workflow_id)
        assert row is not None
        return row.status


@pytest.fixture
async def world(module_time_env, engine, task_queue, tmp_path) -> AsyncIterator[World]:
    gated = (stand_ins.verify_face, stand_ins.check_photo)
    others = [a for a in stand_ins.VISION_STAND_INS if a not in gated]
    vision = [gated_verify_face, gated_check_photo, *others]
    async with Harness(module_time_env, engine, task_queue, vision_activities=vision) as h:
        services, period = await h.api_services("2026-t", tmp_path)
        yield World(h, services, period)


async def to_face_step(handle: WorkflowHandle) -> None:
    """ID card read and confirmed, photo accepted: the face check is next."""
    await handle.execute_update(
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=obj("a/id/front.jpg"), back=obj("a/id/back.jpg")),
    )
    card = await handle.query(EnrollmentWorkflow.case_file)
    await handle.execute_update(
        EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=card.state.id_card.ocr)
    )
    await handle.execute_update(
        EnrollmentWorkflow.submit_photo, PhotoUpload(photo=obj("a/photo.jpg"), filename="p.jpg")
    )


async def pass_face(handle: WorkflowHandle, frame: str = "a/face/0.jpg") -> None:
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    assert view.liveness_challenge is not None
    await handle.execute_update(
        EnrollmentWorkflow.submit_liveness,
        LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=[obj(frame), obj(frame)]),
    )


async def face_refused(handle: WorkflowHandle, frame: str) -> ApplicationError:
    """A face check that matches (the stand-in passes it), refused for the number's sake."""
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    assert view.liveness_challenge is not None
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=[obj(frame)])
    return await refused(handle, EnrollmentWorkflow.submit_liveness, answer)


def last_text(world: World, phone: str) -> str | None:
    return last_outbox_text(world.h.engine, keyed_hash(SECRET, phone))


async def test_the_owner_takes_over_a_number_squatted_from_another_phone(world: World) -> None:
    number = valid_id_number(701)
    squat = await world.register(number, SQUATTER)
    await verify_phone(world.h, squat, SQUATTER)
    await squat.execute_update(  # the squatter got as far as a card picture: no face match
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=obj("s/id/front.jpg"), back=obj("s/id/back.jpg")),
    )

    owner = await world.register(number, OWNER)
    assert owner.id != squat.id  # a claim of its own, and its code goes to the owner's phone
    view = await verify_phone(world.h, owner, OWNER)
    assert (view.state, view.phone) == (AppState.ID_PENDING, "139****7002")
    await to_face_step(owner)
    await pass_face(owner)

    assert (await owner.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING
    seat = await squat.query(EnrollmentWorkflow.view)
    assert seat.state == AppState.SUPERSEDED and "其他手机号" in seat.state_label
    assert last_text(world, SQUATTER) == IDENTITY_TAKEN_OVER_SMS
    actor = f"application:{owner.id[-20:]}"
    assert (actor, "identity_taken_over") in world.audit(squat.id)
    assert ("candidate", "identity_took_over") in world.audit(owner.id)
    assert world.status(squat.id) == AppState.SUPERSEDED
    # the squatter's token is bound to the seat: nothing he sends acts any more
    cause = await refused(
        squat,
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=obj("s/id/front2.jpg"), back=obj("s/id/back2.jpg")),
    )
    assert cause.type == "WRONG_STATE"
    assert (await refused(squat, EnrollmentWorkflow.withdraw)).type == "WRONG_STATE"

    # registering again: the owner's phone finds his application; the squatter's phone gets
    # what any new registration gets (a claim of its own), never the seat or the owner's case
    assert (await world.register(number, OWNER)).id == owner.id
    again = await world.register(number, SQUATTER)
    assert again.id not in (squat.id, owner.id)
    age_codes(world.h.engine, minutes=2)  # the SMS cooldown runs on wall time
    view = await verify_phone(world.h, again, SQUATTER)
    assert (view.state, view.phone) == (AppState.ID_PENDING, "139****7001")
    assert (await owner.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING


async def test_a_holder_who_proved_possession_keeps_the_number(world: World) -> None:
    number = valid_id_number(702)
    holder = await world.register(number, OWNER)
    await verify_phone(world.h, holder, OWNER)
    await to_face_step(holder)
    await pass_face(holder)
    before = await holder.query(EnrollmentWorkflow.case_file)

    claimant = await world.register(number, THIRD)
    await verify_phone(world.h, claimant, THIRD)
    await to_face_step(claimant)
    cause = await face_refused(claimant, "c/0.jpg")
    assert cause.type == "IDENTITY_VERIFIED_ELSEWHERE"
    assert "携带身份证" in str(cause.message)
    assert (await claimant.query(EnrollmentWorkflow.view)).state == AppState.SUPERSEDED
    assert ("system", "identity_held_elsewhere") in world.audit(claimant.id)
    after = await holder.query(EnrollmentWorkflow.case_file)
    assert after.state == before.state  # nothing of the holder changed
    assert last_text(world, OWNER) != IDENTITY_TAKEN_OVER_SMS


async def test_a_claim_in_flight_loses_to_the_holder_proving_possession(world: World) -> None:
    """The holder's face check is running when the claimant's request to yield arrives: the
    holder's workflow orders the two, the holder's check finishes first and wins."""
    number = valid_id_number(703)
    holder = await world.register(number, OWNER)
    await verify_phone(world.h, holder, OWNER)
    await to_face_step(holder)
    claimant = await world.register(number, THIRD)
    await verify_phone(world.h, claimant, THIRD)
    await to_face_step(claimant)

    gate.clear()
    holder_face = asyncio.create_task(pass_face(holder, "h/face/slow.jpg"))
    await until(lambda: pending_activity(holder, VERIFY_FACE))
    claimant_face = asyncio.create_task(pass_face(claimant, "c/face/0.jpg"))
    await until(lambda: pending_activity(claimant, "claim_identity"))
    gate.set()

    await holder_face
    with pytest.raises(WorkflowUpdateFailedError) as lost:
        await claimant_face
    assert isinstance(lost.value.cause, ApplicationError)
    assert lost.value.cause.type == "IDENTITY_VERIFIED_ELSEWHERE"
    assert (await holder.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING
    assert (await claimant.query(EnrollmentWorkflow.view)).state == AppState.SUPERSEDED


async def test_of_two_claimants_only_the_first_to_prove_possession_holds(world: World) -> None:
    number = valid_id_number(704)
    squat = await world.register(number, SQUATTER)
    await verify_phone(world.h, squat, SQUATTER)
    first, second = await world.register(number, OWNER), await world.register(number, THIRD)
    for handle, phone in ((first, OWNER), (second, THIRD)):
        await verify_phone(world.h, handle, phone)
        await to_face_step(handle)
    results = await asyncio.gather(pass_face(first), pass_face(second), return_exceptions=True)

    states = [(await x.query(EnrollmentWorkflow.view)).state for x in (squat, first, second)]
    assert states[0] == AppState.SUPERSEDED
    assert sorted(states[1:]) == sorted([AppState.NOTICE_PENDING, AppState.SUPERSEDED])
    assert sum(isinstance(r, Exception) for r in results) == 1


async def test_an_examiners_on_site_check_also_claims_the_number(world: World) -> None:
    number = valid_id_number(705)
    squat = await world.register(number, SQUATTER)
    await verify_phone(world.h, squat, SQUATTER)
    owner = await world.register(number, OWNER)
    await verify_phone(world.h, owner, OWNER)
    await to_face_step(owner)
    await owner.execute_update(
        EnrollmentWorkflow.verify_face_on_site, OnSiteFaceCheck(examiner="ex1", reason="现场核验")
    )
    assert (await owner.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING
    assert (await squat.query(EnrollmentWorkflow.view)).state == AppState.SUPERSEDED


async def test_a_claim_whose_seat_ended_by_itself_holds_the_number(world: World) -> None:
    """The seat withdrew after the claim was made: its run has completed, nobody else passed
    the face step, so the claim holds the number; a later claim is refused by the read model."""
    number = valid_id_number(706)
    squat = await world.register(number, SQUATTER)
    await verify_phone(world.h, squat, SQUATTER)
    owner = await world.register(number, OWNER)
    await verify_phone(world.h, owner, OWNER)
    await squat.execute_update(EnrollmentWorkflow.withdraw)
    assert await squat.result() == AppState.WITHDRAWN
    await to_face_step(owner)
    await pass_face(owner)
    assert (await owner.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING

    late = await world.register(number, THIRD)
    assert late.id not in (squat.id, owner.id)
    await verify_phone(world.h, late, THIRD)
    await to_face_step(late)
    cause = await face_refused(late, "l/0.jpg")
    assert cause.type == "IDENTITY_VERIFIED_ELSEWHERE"


async def test_two_phones_registering_at_once_each_get_their_own(world: World) -> None:
    """The second registration comes before the first one's seat reached the read model: it
    must neither text the first phone nor land on its application."""
    number = valid_id_number(707)
    first = await world.register(number, SQUATTER)
    await until(lambda: world.projected(first.id))
    world.forget(first.id)
    assert (await world.register(number, SQUATTER)).id == first.id  # the same phone: resumed
    world.forget(first.id)
    second = await world.register(number, OWNER)
    assert second.id != first.id
    view = await verify_phone(world.h, second, OWNER)
    assert view.phone == "139****7002" and last_text(world, SQUATTER) is None


async def test_a_step_that_waited_through_the_takeover_does_not_revive_the_case(
    world: World,
) -> None:
    """The squatter's photo check is running, the owner's request to yield waits behind it, and
    a new ID card of the squatter's (accepted while the case was still his) waits behind that:
    once the case is taken over, that step is refused instead of rewinding it to ID_PENDING."""
    number = valid_id_number(708)
    squat = await world.register(number, SQUATTER)
    await verify_phone(world.h, squat, SQUATTER)
    await squat.execute_update(
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=obj("s/id/front.jpg"), back=obj("s/id/back.jpg")),
    )
    card = (await squat.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
    await squat.execute_update(EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=card))
    owner = await world.register(number, OWNER)
    await verify_phone(world.h, owner, OWNER)
    await to_face_step(owner)

    gate.clear()
    photo = PhotoUpload(photo=obj("s/photo-slow.jpg"), filename="p.jpg")
    squat_photo = asyncio.create_task(squat.execute_update(EnrollmentWorkflow.submit_photo, photo))
    await until(lambda: pending_activity(squat, CHECK_PHOTO))
    owner_face = asyncio.create_task(pass_face(owner))
    await until(lambda: update_accepted(squat, "yield_identity"))
    new_card = IdCardUpload(front=obj("s/id/front2.jpg"), back=obj("s/id/back2.jpg"))
    late_card = asyncio.create_task(refused(squat, EnrollmentWorkflow.submit_id_card, new_card))
    await until(lambda: update_accepted(squat, "submit_id_card", 2))
    gate.set()

    await squat_photo
    await owner_face
    assert (await late_card).type == "WRONG_STATE"
    assert (await squat.query(EnrollmentWorkflow.view)).state == AppState.SUPERSEDED
    assert (await owner.query(EnrollmentWorkflow.view)).state == AppState.NOTICE_PENDING


async def update_accepted(handle: WorkflowHandle, name: str, times: int = 1) -> bool:
    history = await handle.fetch_history()
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == name
    ]
    return len(accepted) >= times


async def pending_activity(handle: WorkflowHandle, name: str) -> bool:
    described = await handle.describe()
    return any(a.activity_type.name == name for a in described.raw_description.pending_activities)


async def until(check, tries: int = 200) -> None:
    """Polls the server's own description of a run (no event to await across the server)."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the run never got there")
