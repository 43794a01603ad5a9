"""What the candidate, examiner and admin routes share: the open period, starting or resuming an
application workflow, running its updates with errors mapped, and storing uploads."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import UploadFile
from sqlmodel import Session, select
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Services
from api.errors import ApiError, from_update_failure
from domain.enrollment import EnrollmentInput, Identity
from domain.ids import enrollment_workflow_id, identity_hash, keyed_hash
from domain.objects import StoredObject
from domain.states import AppState
from domain.vision import IdType
from infra.db import Application, Period, as_utc
from infra.uploads import UploadPolicy, read_capped, screen_image, strip_metadata
from workflows.enrollment import EnrollmentWorkflow

#: A final application of these states is the person's application for the period: no new one.
KEEPS_IDENTITY = (AppState.REJECTED.value, AppState.TICKET_ISSUED.value)


def open_period(session: Session, now: datetime | None = None) -> Period:
    """The open window; if an extra one was opened beside the regular one, the newest."""
    now = now or datetime.now(UTC)
    periods = session.exec(
        select(Period).where(Period.state == "OPEN").order_by(Period.opens_at.desc())  # type: ignore[attr-defined]
    )
    for period in periods:
        if as_utc(period.opens_at) <= now < as_utc(period.closes_at):
            return period
    raise ApiError("WINDOW_CLOSED")


async def start_or_resume(
    services: Services,
    session: Session,
    period: Period,
    id_type: IdType,
    id_number: str,
    phone: str,
) -> WorkflowHandle:
    """One live application per person and period: the same identity lands on the same workflow."""
    secret = services.settings.identity_hmac_key
    digest = identity_hash(secret, id_type, id_number)
    workflow_id = enrollment_workflow_id(period.id, digest)
    client = services.client()
    existing = await asyncio.to_thread(session.get, Application, workflow_id)
    if existing is not None and existing.status in KEEPS_IDENTITY:
        return client.get_workflow_handle(workflow_id)
    return await client.start_workflow(
        EnrollmentWorkflow.run,
        EnrollmentInput(
            application_id=workflow_id,
            period_id=period.id,
            identity=Identity(id_type=id_type, id_number=id_number.strip().upper(), phone=phone),
            identity_hash=digest,
            phone_hash=keyed_hash(secret, phone),
            closes_at=as_utc(period.closes_at),
            vision_task_queue=services.settings.vision_task_queue,
        ),
        id=workflow_id,
        task_queue=services.settings.enrollment_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


def application_handle(client: Client, workflow_id: str) -> WorkflowHandle:
    return client.get_workflow_handle(workflow_id)


async def run_update(handle: WorkflowHandle, update: Any, *args: Any) -> Any:
    try:
        return await handle.execute_update(update, *args)
    except WorkflowUpdateFailedError as exc:
        raise from_update_failure(exc) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise ApiError("STEP_TIMEOUT", "处理超时，请稍后重试", status=503) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError("WRONG_STATE", "该申请已结束，不能再操作") from None
        raise


async def run_query(handle: WorkflowHandle, query: Any) -> Any:
    try:
        return await handle.query(query)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError("APPLICATION_NOT_FOUND") from None
        raise


async def run_upload_update(
    services: Services, handle: WorkflowHandle, update: Any, arg: Any, stored: list[StoredObject]
) -> Any:
    """`run_update` for an update that carries just-stored uploads. When the workflow refuses,
    the uploads it did not keep are deleted again: a refusal leaves no bytes behind. (A refused
    photo is kept: the workflow remembers it as the photo to auto-fix.) A timeout or an outage
    deletes nothing, since the update may still land."""
    try:
        return await run_update(handle, update, arg)
    except ApiError as exc:
        if exc.status < 500:
            await discard_unreferenced(services, handle, stored)
        raise


async def discard_unreferenced(
    services: Services, handle: WorkflowHandle, stored: list[StoredObject]
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


async def store_upload(
    services: Services,
    upload: UploadFile,
    policy: UploadPolicy,
    key_prefix: str,
    *,
    keep_original: bool = False,
) -> tuple[StoredObject, str]:
    """Screen an upload and store it. Returns the stored object and the client's filename.

    `keep_original` stores the bytes as sent: the ID-photo checker reads quality tables and dpi
    from the original file. Everything else is stored with its metadata (EXIF, GPS) stripped."""
    data = await read_capped(upload, policy.max_bytes)
    application_prefix = key_prefix.split("/", 1)[0]
    used = await asyncio.to_thread(services.store.usage, application_prefix)
    if used + len(data) > services.settings.storage_quota_bytes:
        raise ApiError(
            "STORAGE_QUOTA", measured=used, expected=services.settings.storage_quota_bytes
        )

    def screen_and_store() -> StoredObject:
        screened = screen_image(
            data, policy, filename=upload.filename, content_type=upload.content_type
        )
        stored_bytes = data if keep_original else strip_metadata(data, screened)
        ext = "jpg" if screened.format == "JPEG" else screened.format.lower()
        key = f"{key_prefix}-{uuid.uuid4().hex[:12]}.{ext}"
        return services.store.put(key, stored_bytes, screened.content_type)

    obj = await asyncio.to_thread(screen_and_store)
    return obj, upload.filename or "upload.jpg"
