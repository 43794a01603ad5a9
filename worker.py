"""Runs the Temporal workers: `enrollment` (workflows, SMS, read model, tickets), `vision`
(ID OCR, photo compliance, face) or both in one process.

Providers are built once here and handed to the activity classes; blocking activities run in a
thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.chsi import ChsiActivities
from activities.closeout import CloseOutActivities
from activities.identity_claims import IdentityClaimActivities
from activities.one_call_steps import OneCallSteps
from activities.records import RecordActivities
from activities.retention import RetentionActivities
from activities.sms import SmsActivities
from activities.tickets import TicketActivities
from infra import event_loop, face_models
from infra.caller_proof import caller_proof_ring
from infra.chsi_gateway import build_chsi_gateway
from infra.config import Settings, get_settings
from infra.db import engine_for
from infra.logmask import install_log_masking
from infra.metrics import install_worker_metrics
from infra.migrations import require_current_schema
from infra.otp import OtpService
from infra.pii import PiiSealer, pii_sealer_for
from infra.sms import build_sms_provider
from infra.sms_provider import SmsProvider
from infra.storage import build_object_store
from infra.temporal import connect, workflow_runner
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow
from workflows.retention import RetentionWorkflow

log = logging.getLogger("ruji.worker")

#: Workflow tasks one enrollment worker holds at once. A task's 10 s start-to-close clock runs
#: while it waits inside the worker, so holding more than the worker gets through in a few
#: seconds on a busy 2-core box times tasks out, and each timeout is a full replay: ticket issuing
#: at 200 held 310 timeouts per 1,000 tickets; at 20, none (docs/capacity.md, "Tickets").
WORKFLOW_TASK_SLOTS = 20
#: Above the running applications of a period (10,000s at the review deadline): a case evicted
#: from the cache is replayed from its whole history on its next signal.
CACHED_WORKFLOWS = 12_000


def enrollment_activities(
    engine: Engine,
    client: Client,
    provider: SmsProvider,
    hmac_key: str,
    sealer: PiiSealer,
) -> list[Callable[..., Any]]:
    """The enrollment queue's activities; tests and benchmarks register the same list."""
    sms = SmsActivities(engine, provider, OtpService(engine, provider, hmac_key))
    records = RecordActivities(engine, sealer)
    tickets = TicketActivities(engine, client)
    claims = IdentityClaimActivities(engine, client)
    closeout = CloseOutActivities(engine, client)
    return [
        sms.send_sms_code,
        sms.check_sms_code,
        sms.notify_candidate,
        records.project_application,
        *_one_call_steps(OneCallSteps(records, sms)),
        records.upsert_period,
        records.read_period,
        tickets.number_ticket_page,
        tickets.deliver_tickets,
        claims.claim_identity,
        closeout.close_out_cases,
        closeout.tell_window_closed,
    ]


def _one_call_steps(steps: OneCallSteps) -> list[Callable[..., Any]]:
    return [steps.project_and_notify, steps.project_and_send_code, steps.check_code_and_project]


def enrollment_worker(
    client: Client, settings: Settings, engine: Engine, executor: ThreadPoolExecutor
) -> Worker:
    provider = build_sms_provider(settings)
    chsi = ChsiActivities(
        build_chsi_gateway(settings), settings.chsi_callback_secret, settings.api_base_url
    )
    activities = enrollment_activities(
        engine, client, provider, settings.identity_hmac_key, pii_sealer_for(settings)
    )
    retention = RetentionActivities(engine, build_object_store(settings), settings.retention_days)
    return Worker(
        client,
        task_queue=settings.enrollment_task_queue,
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow, RetentionWorkflow],
        activities=[*activities, chsi.issue_chsi_codes, retention.run_retention],
        activity_executor=executor,
        workflow_runner=workflow_runner(),
        max_concurrent_workflow_tasks=WORKFLOW_TASK_SLOTS,
        max_cached_workflows=CACHED_WORKFLOWS,
        # starts, updates and signals without the API's caller proof are refused, and so are
        # activities no ruji workflow scheduled
        interceptors=[caller_proof_checker(settings)],
    )


def vision_activities(settings: Settings) -> list[Callable[..., Any]]:
    """Loads every model once; a missing weight file fails here, at start-up, not mid-request."""
    from activities.face import FaceVerifier
    from activities.ocr import IdCardReader
    from activities.photo import PhotoActivities

    face_models.export_deepface_home(settings)
    store = build_object_store(settings)
    reader, photos = IdCardReader(store), PhotoActivities(store)
    faces = FaceVerifier(store, settings.face)
    return [reader.read_id_card, photos.check_photo, photos.fix_photo, faces.verify_face]


def vision_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    return Worker(
        client,
        task_queue=settings.vision_task_queue,
        activities=vision_activities(settings),
        activity_executor=executor,
        max_concurrent_activities=2,  # CPU-bound: one per core
    )


def caller_proof_checker(settings: Settings) -> CallerProofChecker:
    return CallerProofChecker(
        caller_proof_ring(settings),
        unsigned_activities_before=settings.unsigned_activities_before,
    )


def yield_cpu_to_others(niceness: int) -> None:
    """Lowers this process's CPU priority before it starts any thread (Linux gives a thread the
    niceness of the thread that made it). A vision worker saturates every core it gets at peak;
    niced, it still gets all the CPU nobody else wants, while the API, Temporal and the
    enrollment worker answer in time (figures in docs/capacity.md, "Vision workers at peak")."""
    if niceness > 0:
        os.nice(niceness)
        log.info("vision worker niced by %d", niceness)


async def run(kinds: list[str], settings: Settings) -> None:
    """Every dependency is built here from `settings`: the read model's engine (checked against
    the code's schema before any worker polls), the client, the providers."""
    if kinds == ["vision"]:
        yield_cpu_to_others(settings.vision_nice)
    # the vision worker never touches the read model
    engine = engine_for(settings) if "enrollment" in kinds else None
    try:
        if engine is not None:
            require_current_schema(engine)
        install_worker_metrics(settings.observability)  # before connect: the SDK runtime
        # the ticket coordinator's deliveries are signed; a vision-only worker holds no proof key
        client = await connect(settings, signs_as="worker" if engine is not None else None)
        with ThreadPoolExecutor(max_workers=32) as executor:
            workers = []
            if engine is not None:
                workers.append(enrollment_worker(client, settings, engine, executor))
            if "vision" in kinds:
                workers.append(vision_worker(client, settings, executor))
            log.info("workers running: %s", ", ".join(kinds))
            await asyncio.gather(*(w.run() for w in workers))
    finally:
        if engine is not None:
            engine.dispose()


def main(kinds: list[str] | None = None) -> None:
    # a vision-only worker holds no signing secret (infra/config.Settings.holds_secrets)
    settings = Settings(holds_secrets=False) if kinds == ["vision"] else get_settings()
    logging.basicConfig(level=logging.INFO)
    install_log_masking(json_format=settings.observability.json_logs)
    event_loop.run(run(kinds or ["enrollment", "vision"], settings))


if __name__ == "__main__":
    main()
