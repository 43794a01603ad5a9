"""Records the committed histories that tests/replay/test_replay.py replays.

Run it when a workflow change is *meant* to be incompatible (then patch instead, see
docs/operations.md), or to add a scenario: `uv run python -m tests.replay.record_histories`
(with `takeover`: only the identity-takeover pair, the others stay as they were recorded; with
`lean`: the first scenarios again, in the lean shape, as `lean_*`; with `fewer`: again, in
shape 2 as the API starts cases and the H5 walks them, as `fewer_*`; with `onecall`: again in
shape 3, as `onecall_*`, and a first contact on the dev server, `onecall_first_contact`; with
`card-redone N` or `old-id-number N NUMBER`: one path in a run started under rules N, as
`rulesN_card_redone` / `rulesN_old_id_number`; with `reopened-with-face-open NAME`: a returned
case reopened by a change while its face check is voided — run the older code's from a worktree
of the code before the change, `git worktree add`, so the history is what that code did).
Histories are recorded without the payload codec so they replay without keys; the data in
them is synthetic."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain import search
from domain.case_view import start_memo
from domain.enrollment import ApplicationView, ExaminerAction, ReviewItem
from infra.caller_proof import CallerProofSigner
from infra.db import create_schema, make_engine
from infra.keyring import parse_key_ring
from tests.workflows.flow import (
    at_draft_under_rules,
    claim_and_approve,
    obj,
    to_draft,
    to_submitted,
    to_submitted_as_the_h5_does,
    to_submitted_in_one_call_steps,
    verify_phone,
    zhuanke_form,
)
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

HISTORIES = Path(__file__).parent / "histories"
#: The caller-proof key the recording client signs with and test_replay.py checks with (a test
#: key, public on purpose: the recorded data is synthetic). Histories of the lean shape imply the
#: proof checks (workflows/shape.py), so they are recorded with the proof, as production runs.
#: The workflow IDs the histories ran under: a caller proof names the workflow it is for, so a
#: history with proofs replays under its own ID (the others replay under their file's name).
WORKFLOW_IDS = Path(__file__).parent / "history_workflow_ids.json"
RECORDING_PROOF_KEY = "recording:8hegNThZlCJ32Xw9xFTn9I/avlclcImyLVT3aEDKgY4="


async def recording_env() -> WorkflowEnvironment:
    """A time-skipping server without the payload codec, its search attributes registered."""
    binary = shutil.which("temporal-test-server") or ".venv/bin/temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary,
        data_converter=pydantic_data_converter,
        interceptors=[CallerProofSigner(parse_key_ring(RECORDING_PROOF_KEY), "test")],
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in search.ALL
            },
        )
    )
    return env


@asynccontextmanager
async def recording(
    make_env: Callable[[], Awaitable[WorkflowEnvironment]] = recording_env,
) -> AsyncIterator[tuple[WorkflowEnvironment, Harness]]:
    env = await make_env()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/read.db")
        create_schema(engine)
        async with Harness(env, engine, "replay-recording") as h:
            yield env, h
    await env.shutdown()


async def open_for_ten_days(h: Harness, period_id: str, now: datetime) -> WorkflowHandle:
    return await h.start_period(
        period_id, now - timedelta(days=1), now + timedelta(days=10), now + timedelta(days=20)
    )


async def record(prefix: str = "") -> None:
    """`prefix` "lean_": the same scenarios recorded again in the lean shape (workflows/shape.py),
    beside the ones recorded before it; "fewer_": again, started as the API starts them now
    (shape 2, its memo) and walked as the H5 walks them."""
    recorded_ids = json.loads(WORKFLOW_IDS.read_text()) if WORKFLOW_IDS.exists() else {}
    shaped = prefix in ("fewer_", "onecall_")
    memo = start_memo(shape=2) if prefix == "fewer_" else start_memo() if shaped else None
    walk = {"fewer_": to_submitted_as_the_h5_does, "onecall_": to_submitted_in_one_call_steps}.get(
        prefix, to_submitted
    )
    async with recording() as (env, h):
        now = await env.get_current_time()
        period = await open_for_ten_days(h, "2026-2", now)
        phone = "13900009999"
        approved = await h.start_application(
            h.enrollment_input("2026-2", valid_id_number(901), phone, now + timedelta(days=10)),
            memo,
        )
        await walk(h, approved, phone)
        await approved.execute_update(EnrollmentWorkflow.modify, zhuanke_form(region="02"))
        await claim_and_approve(approved)
        await approved.result()

        now = await env.get_current_time()  # the first result() skipped to the deadline
        period2 = await open_for_ten_days(h, "2026-3", now)
        phone2 = "13900009998"
        returned = await h.start_application(
            h.enrollment_input(
                "2026-2", valid_id_number(902), phone2, now + timedelta(days=10)
            ).model_copy(update={"period_id": "2026-3"}),
            memo,
        )
        await walk(h, returned, phone2)
        await returned.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
        # a form item: a returned photo now reopens the photo and face steps (issue 15)
        items = [ReviewItem(item="form.major", reason="专业与学历不符")]
        await returned.execute_update(
            EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
        )
        if prefix == "onecall_":  # the return's items are tracked now: the form is answered
            await returned.execute_update(EnrollmentWorkflow.modify, zhuanke_form(region="03"))
        await returned.execute_update(EnrollmentWorkflow.submit)
        await returned.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
        await returned.execute_update(
            EnrollmentWorkflow.reject, ExaminerAction(examiner="ex1", items=items)
        )
        await returned.result()

        now = await env.get_current_time()
        expired = await h.start_application(
            h.enrollment_input(
                "2026-3", valid_id_number(903), "13900009997", now + timedelta(days=10)
            ),
            memo,
        )
        await expired.result()

        for name, handle in (
            ("enrollment_ticket", approved),
            ("enrollment_rejected", returned),
            ("enrollment_expired", expired),
            ("period_issued", period),
        ):
            if shaped and handle is period:
                continue  # the period's workflow has no shapes: `lean_period_issued` is it
            history = await handle.fetch_history()
            (HISTORIES / f"{prefix}{name}.json").write_text(history.to_json())
            recorded_ids[f"{prefix}{name}"] = handle.id
        WORKFLOW_IDS.write_text(json.dumps(recorded_ids, indent=1, sort_keys=True) + "\n")
        await period.cancel()
        await period2.cancel()


async def record_takeover() -> None:
    """Issue 15, item 5, alone (the histories above stay as recorded before it): a seat that
    yields to a claim, and the claim that took the number over."""
    async with recording() as (env, h):
        now = await env.get_current_time()
        number, closes = valid_id_number(904), now + timedelta(days=10)
        seat_input = h.enrollment_input("2026-2", number, "13900009996", closes)
        seat = await h.start_application(seat_input)
        await verify_phone(h, seat, "13900009996")
        claim = await h.start_application(
            h.enrollment_input("2026-2", number, "13900009995", closes, claims_from=seat.id)
        )
        await to_draft(h, claim, "13900009995")
        for name, handle in (("enrollment_taken_over", seat), ("enrollment_claim_won", claim)):
            history = await handle.fetch_history()
            (HISTORIES / f"{name}.json").write_text(history.to_json())
            await handle.terminate(reason="recorded")


async def dev_recording_env() -> WorkflowEnvironment:
    """The dev server (no time skipping), signing as the recording client, without the codec."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=shutil.which("temporal") or ".venv/bin/temporal",
        data_converter=pydantic_data_converter,
        interceptors=[CallerProofSigner(parse_key_ring(RECORDING_PROOF_KEY), "test")],
        search_attributes=list(search.ALL),
        ui=False,
    )


async def kept(handle: WorkflowHandle, name: str) -> None:
    """The run's history written as `name`, under the workflow ID it ran as; then ended."""
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    recorded_ids = json.loads(WORKFLOW_IDS.read_text())
    recorded_ids[name] = handle.id
    WORKFLOW_IDS.write_text(json.dumps(recorded_ids, indent=1, sort_keys=True) + "\n")
    await handle.terminate(reason="recorded")


async def record_first_contact() -> None:
    """Shape 3's first contact as the API makes it (the start and the code's request in one
    call) on the dev server, where the update delivered with the start runs before the run
    records anything (the time-skipping server hands it over later): the registration is written
    by the call that sends its code. Walked to the approval, then terminated."""
    async with recording(dev_recording_env) as (env, h):
        now = await env.get_current_time()
        phone = "13900009994"
        inp = h.enrollment_input("2026-2", valid_id_number(905), phone, now + timedelta(10))
        handle = await h.started_with_code_request(inp, start_memo(), "10.0.9.5")
        await to_submitted_in_one_call_steps(h, handle, phone, code_requested=True)
        await claim_and_approve(handle)
        await kept(handle, "onecall_first_contact")


async def face_passed(handle: WorkflowHandle) -> ApplicationView:
    """The face step passed, and the notice read again where the case asks for it."""
    from domain.enrollment import LivenessAnswer
    from domain.states import AppState

    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    assert view.liveness_challenge is not None
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=[obj("a/face/0.jpg")])
    view = await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    if view.state == AppState.NOTICE_PENDING:
        view = await handle.execute_update(EnrollmentWorkflow.accept_notice)
    return view


async def record_card_redone(rules: int) -> None:
    """A card redone from DRAFT, the form saved, then submitted and approved, in a run started
    under `rules` (`ruji_rules`): 1 walks the 寸照, the face and the notice again, 2 the face
    only (domain/case_steps.confirm_id_card). Rules 1's was recorded by the code before rules 2."""
    from domain.enrollment import ConfirmIdCardInput, IdCardUpload, PhotoUpload
    from domain.states import AppState

    async with recording() as (env, h):
        handle = await at_draft_under_rules(h, env, 906 + rules, rules)
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        card = IdCardUpload(front=obj("a/new/front.jpg"), back=obj("a/new/back.jpg"))
        await handle.execute_update(EnrollmentWorkflow.submit_id_card, card)
        read = (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
        view = await handle.execute_update(
            EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=read)
        )
        if view.state == AppState.PHOTO_PENDING:
            photo = PhotoUpload(photo=obj("a/photo2.jpg"), filename="p.jpg")
            await handle.execute_update(EnrollmentWorkflow.submit_photo, photo)
        await face_passed(handle)
        await handle.execute_update(EnrollmentWorkflow.submit)
        await claim_and_approve(handle)
        await kept(handle, f"rules{rules}_card_redone")


async def record_old_number(rules: int, old_id_number: str) -> None:
    """R12 with an old ID number, the form saved with its police certificate, then submitted and
    approved, in a run started under `rules`: under 2 any text was taken as the number (the form
    is judged again at submit and claim, so a run of rules 2 must not start refusing it), under
    3 it must be well formed (domain/identity.old_id_number_problem)."""
    from tests.workflows.test_lifecycle_paths import upload_missing

    async with recording() as (env, h):
        handle = await at_draft_under_rules(h, env, 916 + rules, rules)
        renamed = zhuanke_form(old_id_number=old_id_number).model_copy(
            update={"identity_changed": True}
        )
        view = await handle.execute_update(EnrollmentWorkflow.save_form, renamed)
        await upload_missing(handle, view)
        await handle.execute_update(EnrollmentWorkflow.submit)
        await claim_and_approve(handle)
        await kept(handle, f"rules{rules}_old_id_number")


async def record_reopened_with_face_open(name: str) -> None:
    """Returned for the 寸照, a new one taken (the face check voided), then a change that needs a
    proof (护理) reopens the case: at DRAFT by the code before `reopened-at-step`, at the face step
    since. The face passed, the notice read again where it asks, the proof, submit, approval."""
    from domain.enrollment import EnrollmentForm, PhotoUpload
    from synthetic.forms import form_fields
    from tests.workflows.test_lifecycle_paths import upload_missing

    async with recording() as (env, h):
        now = await env.get_current_time()
        phone = "13900009970"
        inp = h.enrollment_input("2026-2", valid_id_number(930), phone, now + timedelta(10))
        handle = await h.start_application(inp, start_memo(shape=0))
        await to_submitted(h, handle, phone)
        await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
        item = ReviewItem(item="photo", reason="寸照不清")
        act = ExaminerAction(examiner="ex1", items=[item])
        await handle.execute_update(EnrollmentWorkflow.return_for_changes, act)
        photo = PhotoUpload(photo=obj("a/photo3.jpg"), filename="p.jpg")
        await handle.execute_update(EnrollmentWorkflow.submit_photo, photo)
        nursing = EnrollmentForm(**form_fields(major="520201"))
        await handle.execute_update(EnrollmentWorkflow.modify, nursing)
        await upload_missing(handle, await face_passed(handle))
        await handle.execute_update(EnrollmentWorkflow.submit)
        await claim_and_approve(handle)
        await kept(handle, name)


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["takeover"]:
            asyncio.run(record_takeover())
        case ["lean"]:
            asyncio.run(record("lean_"))
        case ["fewer"]:
            asyncio.run(record("fewer_"))
        case ["onecall"]:
            asyncio.run(record("onecall_"))
            asyncio.run(record_first_contact())
        case ["card-redone", rules]:
            asyncio.run(record_card_redone(int(rules)))
        case ["reopened-with-face-open", name]:
            asyncio.run(record_reopened_with_face_open(name))
        case ["old-id-number", rules, old_id_number]:
            asyncio.run(record_old_number(int(rules), old_id_number))
        case _:
            asyncio.run(record())
