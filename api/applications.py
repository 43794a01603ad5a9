"""What the candidate, examiner and admin routes share: the open period, starting or resuming an
application workflow, running its updates with errors mapped, and storing uploads."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import UploadFile
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from api.admission import release_slot
from api.deps import Services, run_db
from api.errors import ApiError, ApiRefusal, from_update_failure
from api.idempotency import client_update_id
from api.vision_backpressure import POLL_WAIT_S, QueuePlace, answer_within
from domain.case_view import start_memo, start_search_attributes
from domain.enrollment import ApplicationView, EnrollmentInput, Identity
from domain.identity import IdType
from domain.identity_claims import NOT_HOLDING, claimant_workflow_id, registration_target
from domain.ids import enrollment_workflow_id, identity_hash, keyed_hash
from domain.messages import CaseRefusal
from domain.objects import StoredObject
from domain.states import AppState
from infra.db import Period, as_utc
from infra.holdings import identity_holdings
from infra.refresh_sessions import sign_out_everywhere
from infra.upload_structure import UploadRefusal
from infra.uploads import (
    UploadPolicy,
    read_capped,
    screen_image,
    strip_metadata,
    strip_metadata_exact,
)
from workflows.enrollment import EnrollmentWorkflow

R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger("ruji.api")

#: A final application of these states is the person's application for the period: no new one.
KEEPS_IDENTITY = (AppState.REJECTED, AppState.TICKET_ISSUED)


def open_period(session: Session, now: datetime | None = None) -> Period:
    """The open window; if an extra one was opened beside the regular one, the newest."""
    now = now or datetime.now(UTC)
    periods = session.exec(
        select(Period).where(Period.state == "OPEN").order_by(col(Period.opens_at).desc())
    )
    for period in periods:
        if as_utc(period.opens_at) <= now < as_utc(period.closes_at):
            return period
    raise ApiError(CaseRefusal.WINDOW_CLOSED)


def next_period(session: Session, now: datetime | None = None) -> Period | None:
    """The soonest window that has not opened yet, so a closed H5 can say when to come back."""
    now = now or datetime.now(UTC)
    periods = session.exec(
        select(Period)
        .where(col(Period.state).in_(("SCHEDULED", "OPEN")))
        .order_by(col(Period.opens_at))
    )
    return next((p for p in periods if as_utc(p.opens_at) > now), None)


@dataclass(frozen=True)
class Landing:
    """Where a registration lands: the application to start or resume (`running`: the read
    model shows it running), or `ended`, a final application that keeps the identity."""

    inp: EnrollmentInput
    running: bool
    ended: bool
    #: the caller's own claim, should the seat turn out to be another phone's after all (a
    #: registration of a moment ago, not projected yet)
    claim: EnrollmentInput
    #: the read model's version per workflow ID of the identity: a run started where an ended
    #: one stood numbers on from it (`start_memo`)
    versions: dict[str, int]


async def landing(
    services: Services,
    session: Session,
    period: Period,
    id_type: IdType,
    id_number: str,
    phone: str,
) -> Landing:
    """One live application per identity, phone and period: the same identity from the same phone
    lands on the same workflow. From another phone while someone holds the number, a claim of
    its own, which takes the number over once it proves possession of the card
    (domain/identity_claims.py); to the caller both look alike."""
    secret = services.settings.identity_hmac_key
    digest = identity_hash(secret, id_type, id_number)
    seat_id = enrollment_workflow_id(period.id, digest)
    claimant_id = claimant_workflow_id(period.id, secret, digest, phone)
    phone_hash = keyed_hash(secret, phone)
    holdings = await run_db(session, identity_holdings, period.id, digest)
    workflow_id = registration_target(holdings, seat_id, claimant_id, phone_hash)
    identity = Identity(id_type=id_type, id_number=id_number.strip().upper(), phone=phone)
    inp = EnrollmentInput(
        application_id=workflow_id,
        period_id=period.id,
        identity=identity,
        identity_hash=digest,
        phone_hash=phone_hash,
        closes_at=as_utc(period.closes_at),
        vision_task_queue=services.settings.vision_task_queue,
        claims_from="" if workflow_id == seat_id else seat_id,
    )
    mine = [h for h in holdings if h.workflow_id == workflow_id]
    # a fresh start is expected unless the read model shows this application running: a
    # conflict then is a registration of a moment ago that is not projected yet
    return Landing(
        inp=inp,
        running=any(h.status not in NOT_HOLDING for h in mine),
        ended=any(h.status in KEEPS_IDENTITY for h in mine),
        claim=inp.model_copy(update={"application_id": claimant_id, "claims_from": seat_id}),
        versions={h.workflow_id: h.version for h in holdings},
    )


async def _land(
    services: Services,
    session: Session,
    to: Landing,
    phone: str,
    start: Callable[[EnrollmentInput, bool], Awaitable[T]],
    resume: Callable[[WorkflowHandle[Any, Any]], Awaitable[T]],
) -> T:
    """`start(inp, resume)` the application a registration lands on, or `resume(handle)` the one
    already there: a start that met a running run of the same phone. A running run of another
    phone: the caller's own claim is started. An ended one that keeps the identity (rejected,
    numbered) is refused with what it means: no new application in the period, the result is
    read after logging in (its run has completed, so an update would only meet an ended run)."""
    client = services.client()
    if to.ended:
        raise ApiError(CaseRefusal.APPLICATION_CONCLUDED)
    try:
        return await _start_alone(services, session, to.inp, lambda: start(to.inp, to.running))
    except WorkflowAlreadyStartedError:
        started = client.get_workflow_handle(to.inp.application_id)
        if (await started.query(EnrollmentWorkflow.case_file)).identity.phone == phone:
            return await resume(started)
        return await _start_alone(services, session, to.claim, lambda: start(to.claim, True))


async def _start_alone(
    services: Services,
    session: Session,
    inp: EnrollmentInput,
    start: Callable[[], Awaitable[T]],
) -> T:
    """`start()` at `inp`'s workflow ID so that no sign-in of a run that ended there reaches a
    new run: a candidate token names the workflow ID, and a withdrawn or expired seat is started
    again by the next registration of the number, from any phone (docs/decisions.md, "A new run
    at an ended seat ends its sign-ins" and "No sign-in of an ended run reaches the next").

    What runs there is asked of Temporal, not the read model: a row can still show the run
    going (its withdrawal projected in the same milliseconds) or no longer name the identity (the
    retention run scrubbed it). With no chain running, the sign-ins end before the start. With one
    running, the start resumes it, unless it ended in between and the start began another: then
    they end at once after (the new run has none of its own yet: they need its SMS code)."""
    client = services.client()
    workflow_id = inp.application_id
    before = await running_chain(client, workflow_id)
    if not before:
        await run_db(session, sign_out_everywhere, workflow_id, None, "new_run")
    started = await start()
    if await running_chain(client, workflow_id) != before:
        # a sign-in opened in between (a login reading the ended case) ends too
        await run_db(session, sign_out_everywhere, workflow_id, None, "new_run")
    return started


async def running_chain(client: Client, workflow_id: str) -> str:
    """The first run ID of the chain running at `workflow_id` (a continue-as-new keeps it), or
    "" when none runs there."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return ""
        raise
    if described.status != WorkflowExecutionStatus.RUNNING:
        return ""
    return described.raw_description.workflow_execution_info.first_run_id or described.run_id


async def start_or_resume(
    services: Services,
    session: Session,
    period: Period,
    id_type: IdType,
    id_number: str,
    phone: str,
) -> WorkflowHandle[Any, Any]:
    """The application a registration lands on, started if it is not running (`landing`)."""
    to = await landing(services, session, period, id_type, id_number, phone)

    async def start(inp: EnrollmentInput, resume: bool) -> WorkflowHandle[Any, Any]:
        return await _start(services, inp, resume, to.versions.get(inp.application_id, 0))

    async def as_is(handle: WorkflowHandle[Any, Any]) -> WorkflowHandle[Any, Any]:
        return handle

    return await _land(services, session, to, phone, start, as_is)


async def register_with(
    services: Services,
    session: Session,
    period: Period,
    id_type: IdType,
    id_number: str,
    phone: str,
    update: UpdateMethodMultiParam[[Any, Any], R],
    arg: Any,
) -> tuple[WorkflowHandle[Any, Any], R | ApiError]:
    """`start_or_resume` and the application's first update in one call (update-with-start): a
    new application's start and first step are one workflow task, not two. The update's refusal
    is returned, not raised, with the handle it came from."""
    to = await landing(services, session, period, id_type, id_number, phone)

    async def start(
        inp: EnrollmentInput, resume: bool
    ) -> tuple[WorkflowHandle[Any, Any], R | ApiError]:
        numbered_from = to.versions.get(inp.application_id, 0)
        return await _start_with(services, inp, update, arg, resume, numbered_from)

    async def updated(
        handle: WorkflowHandle[Any, Any],
    ) -> tuple[WorkflowHandle[Any, Any], R | ApiError]:
        return handle, await _outcome(run_update(handle, update, arg))

    return await _land(services, session, to, phone, start, updated)


async def _outcome(call: Awaitable[R]) -> R | ApiError:
    try:
        return await call
    except ApiError as exc:
        return exc


def _start_options(
    services: Services, inp: EnrollmentInput, resume: bool, numbered_from: int
) -> dict[str, Any]:
    """`resume`: a running workflow of that ID is the one asked for; otherwise a conflict. The
    start carries the search attributes known now, so the run need not upsert them, the shape
    the run is to take (workflows/shape.py), and where its numbering starts (`start_memo`)."""
    policy = WorkflowIDConflictPolicy.USE_EXISTING if resume else WorkflowIDConflictPolicy.FAIL
    return {
        "id": inp.application_id,
        "task_queue": services.settings.enrollment_task_queue,
        "id_conflict_policy": policy,
        "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        "search_attributes": start_search_attributes(inp.period_id),
        "memo": start_memo(numbered_from),
    }


async def _start(
    services: Services, inp: EnrollmentInput, resume: bool, numbered_from: int
) -> WorkflowHandle[Any, Any]:
    return await services.client().start_workflow(
        EnrollmentWorkflow.run, inp, **_start_options(services, inp, resume, numbered_from)
    )


async def _start_with(
    services: Services,
    inp: EnrollmentInput,
    update: UpdateMethodMultiParam[[Any, Any], R],
    arg: Any,
    resume: bool,
    numbered_from: int,
) -> tuple[WorkflowHandle[Any, Any], R | ApiError]:
    start = WithStartWorkflowOperation(
        EnrollmentWorkflow.run, inp, **_start_options(services, inp, resume, numbered_from)
    )
    call = services.client().execute_update_with_start_workflow(
        update, arg, start_workflow_operation=start, id=client_update_id(update)
    )
    outcome = await _outcome(_mapped(call))
    return application_handle(services.client(), inp.application_id), outcome


async def _mapped(call: Awaitable[R]) -> R:
    with update_errors_mapped():
        return await call


def application_handle(client: Client, workflow_id: str) -> WorkflowHandle[Any, Any]:
    return client.get_workflow_handle(workflow_id)


@contextmanager
def update_errors_mapped(*, polled: bool = False) -> Iterator[None]:
    """An update's refusals and timeouts become the API's answers. A workflow the server does
    not know has ended; an update it does not know, polled by its ID, was never sent."""
    try:
        yield
    except WorkflowUpdateFailedError as exc:
        raise from_update_failure(exc) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise ApiError(ApiRefusal.STEP_TIMEOUT, "处理超时，请稍后重试", status=503) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if polled:
                raise ApiError(ApiRefusal.UPLOAD_NOT_FOUND) from None
            raise ApiError(CaseRefusal.WRONG_STATE, "该申请已结束，不能再操作") from None
        raise


async def run_update(
    handle: WorkflowHandle[Any, Any],
    update: UpdateMethodMultiParam[..., R],
    *args: Any,
    bound_to: str = "",
) -> R:
    """An update of the case; its refusals and timeouts become the API's answers. `bound_to`:
    see `client_update_id`."""
    with update_errors_mapped():
        update_id = client_update_id(update, bound_to)
        result: R = await handle.execute_update(update, *args, id=update_id)
    return result


async def run_query(
    handle: WorkflowHandle[Any, Any], query: Callable[[Any], Awaitable[R] | R]
) -> R:
    try:
        result: R = await handle.query(query)
        return result
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND) from None
        raise


async def run_upload_update(
    services: Services,
    handle: WorkflowHandle[Any, Any],
    update: UpdateMethodMultiParam[..., ApplicationView],
    arg: Any,
    stored: list[StoredObject],
) -> ApplicationView | JSONResponse:
    """`run_update` for an update that carries just-stored uploads and waits for vision. When the
    workflow refuses, the uploads it did not keep are deleted again: a refusal leaves no bytes
    behind. (A refused photo is kept: the workflow remembers it as the photo to auto-fix.) A
    timeout or an outage deletes nothing, since the update may still land.

    The workflow accepts the update first; its answer is awaited at most `upload_wait_s`, and
    not at all when the vision queue is already longer than that. Past the wait the upload is
    answered 202 with its place in line, and polled at GET /me/uploads/{update_id}."""
    update_id = f"upload-{uuid.uuid4().hex}"
    wait_s = services.settings.upload_wait_s
    place = await services.vision_queue.place()
    if place is not None and place.estimate_s > wait_s:
        wait_s = 0
    try:
        with update_errors_mapped():
            pending = await handle.start_update(
                update, arg, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
            )
        release_slot()  # stored and accepted: the wait for vision holds no upload slot
        if await answer_within(pending, wait_s):
            with update_errors_mapped():
                return await pending.result()
    except ApiError as exc:
        if exc.status < 500:
            await discard_unreferenced(services, handle, stored)
        raise
    services.follow_up(_discard_if_refused(services, handle, pending, stored))
    if wait_s > 0 or place is None:  # counted again: the upload's own task is in line now
        return (await queue_place(services)).queued(update_id, counted=True)
    return place.queued(update_id)


async def _discard_if_refused(
    services: Services,
    handle: WorkflowHandle[Any, Any],
    pending: WorkflowUpdateHandle[ApplicationView],
    stored: list[StoredObject],
) -> None:
    """What `run_upload_update` does on a refusal, for an upload answered 202."""
    try:
        with update_errors_mapped():
            await pending.result()
    except ApiError as exc:
        if exc.status < 500:
            await discard_unreferenced(services, handle, stored)
    except Exception:  # an outage: the bytes stay, as after a timeout of the synchronous path
        log.warning("outcome of upload %s unknown; its files are kept", pending.id, exc_info=True)


async def queued_upload_answer(
    services: Services, handle: WorkflowHandle[Any, Any], update_id: str
) -> ApplicationView | JSONResponse:
    """The answer of an upload answered 202: what the upload itself would have answered (the
    view, or its refusal with the same code and report), or 202 again while it is in line."""
    pending = handle.get_update_handle(update_id, result_type=ApplicationView)
    if not await answer_within(pending, POLL_WAIT_S):
        return (await queue_place(services)).queued(update_id, counted=True)
    with update_errors_mapped(polled=True):
        result: ApplicationView = await pending.result()
    return result


async def queue_place(services: Services) -> QueuePlace:
    """The queue now, or (Temporal cannot say) nothing ahead and the wait bound as estimate."""
    place = await services.vision_queue.place()
    unknown = QueuePlace(ahead=0, estimate_s=max(math.ceil(services.settings.upload_wait_s), 1))
    return place or unknown


async def discard_unreferenced(
    services: Services, handle: WorkflowHandle[Any, Any], stored: list[StoredObject]
) -> None:
    try:
        case = await handle.query(EnrollmentWorkflow.case_file)
        kept = case.state.model_dump_json()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        kept = ""  # no such workflow: it cannot hold them
    for obj in stored:
        if obj.key not in kept:
            await asyncio.to_thread(services.store.delete, obj.key)


async def check_storage_quota(services: Services, application_id: str, adding: int) -> None:
    """Every stored object of an application lives under its ID: their total is its quota."""
    used = await asyncio.to_thread(services.store.usage, application_id)
    limit = services.settings.storage_quota_bytes
    if used + adding > limit:
        raise ApiError(UploadRefusal.STORAGE_QUOTA, measured=used, expected=limit)


async def store_upload(
    services: Services,
    upload: UploadFile,
    policy: UploadPolicy,
    key_prefix: str,
    *,
    exact_picture: bool = False,
) -> tuple[StoredObject, str]:
    """Screen an upload and store it without its metadata (EXIF, GPS). Returns the stored object
    and the client's filename.

    `exact_picture` keeps the compressed picture byte for byte (the ID-photo checker reads the
    quantization tables, dpi and pixels of the stored file); otherwise a JPEG that an EXIF
    orientation turns is stored re-encoded upright."""
    data = await read_capped(upload, policy.max_bytes)
    # its spooled copy goes now, not when the request ends: the request may then wait for vision
    # without an admission slot (api/admission.py `release_slot`), and must hold nothing meanwhile
    await upload.close()
    await check_storage_quota(services, key_prefix.split("/", 1)[0], len(data))

    def screen_and_store() -> StoredObject:
        screened = screen_image(
            data, policy, filename=upload.filename, content_type=upload.content_type
        )
        strip = strip_metadata_exact if exact_picture else strip_metadata
        stored_bytes = strip(data, screened)
        ext = "jpg" if screened.format == "JPEG" else screened.format.lower()
        key = f"{key_prefix}-{uuid.uuid4().hex[:12]}.{ext}"
        return services.store.put(key, stored_bytes, screened.content_type)

    obj = await asyncio.to_thread(screen_and_store)
    return obj, upload.filename or "upload.jpg"
