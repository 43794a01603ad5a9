"""A worker pair for workflow tests: the real enrollment activities on a fresh task queue with a
per-test SQLite read model, and the vision stand-ins on their own queue."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.deps import Services
from domain.caller_proof import MAX_AGE
from domain.case_view import start_search_attributes
from domain.enrollment import EnrollmentInput, Identity, RequestCodeInput
from domain.identity import IdType, check_character
from domain.ids import enrollment_workflow_id, identity_hash, keyed_hash
from domain.messages import Notification
from domain.otp import code_in_message
from domain.period import PeriodConfig, PeriodInput
from infra.caller_proof import CallerProofSigner
from infra.config import Settings
from infra.db import Period
from infra.otp import OtpService
from infra.sms import OutboxProvider, last_outbox_text
from infra.storage import LocalObjectStore
from infra.temporal import workflow_runner
from tests.stand_ins import VISION_STAND_INS, pii_sealer
from worker import enrollment_activities
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow

SECRET = "test-secret"


def valid_id_number(serial: int, birth: str = "19990312", area: str = "430104") -> str:
    first17 = f"{area}{birth}{serial % 1000:03d}"
    return first17 + check_character(first17)


def proof_checkers(client: Client, *, time_skipping: bool = False) -> list[CallerProofChecker]:
    """The worker checks what the test client signs (tests/conftest.py), as production does;
    on the time-skipping server without the age check (its clock runs ahead of the signer's)."""
    signers = [i for i in client.config()["interceptors"] if isinstance(i, CallerProofSigner)]
    max_age = None if time_skipping else MAX_AGE
    return [CallerProofChecker(s.ring, max_age) for s in signers]


def unsigned(client: Client) -> Client:
    """The same server and converter without the caller proof: what an outsider sends."""
    config = client.config()
    config["interceptors"] = [
        i for i in config["interceptors"] if not isinstance(i, CallerProofSigner)
    ]
    return Client(**config)


@workflow.defn(name="OutsidersErrand", sandboxed=False)
class OutsidersErrand:
    """An outsider's own workflow on his own queue, asking ruji's worker to run one of its
    activities with the input he wrote: any workflow may schedule any activity on any queue."""

    @workflow.run
    async def run(self, name: str, arg: Notification, onto: str) -> None:
        await workflow.execute_activity(
            name,
            arg,
            task_queue=onto,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )


class Harness:
    def __init__(
        self,
        env: WorkflowEnvironment,
        engine: Engine,
        task_queue: str,
        vision_activities: list | None = None,
        extra_activities: list | None = None,
    ):
        self.env, self.engine, self.task_queue = env, engine, task_queue
        self.vision_queue = f"{task_queue}-vision"
        self.vision_activities = vision_activities or VISION_STAND_INS
        self.extra_activities = extra_activities or []
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Harness:
        activities = enrollment_activities(
            self.engine, self.env.client, OutboxProvider(), SECRET, pii_sealer()
        )
        executor = self._stack.enter_context(ThreadPoolExecutor(max_workers=16))
        for worker in (
            Worker(
                self.env.client,
                task_queue=self.task_queue,
                workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow],
                activities=[*activities, *self.extra_activities],
                activity_executor=executor,
                # a bug fails the test at once, not by timeout
                workflow_failure_exception_types=[Exception],
                workflow_runner=workflow_runner(),
                interceptors=proof_checkers(
                    self.env.client, time_skipping=self.env.supports_time_skipping
                ),
            ),
            Worker(
                self.env.client,
                task_queue=self.vision_queue,
                activities=self.vision_activities,
                activity_executor=executor,
            ),
        ):
            await self._stack.enter_async_context(worker)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    async def start_period(
        self,
        period_id: str,
        opens_at: datetime,
        closes_at: datetime,
        deadline: datetime,
        year: int = 2026,
        window: int = 2,
    ) -> WorkflowHandle:
        cfg = PeriodConfig(
            period_id=period_id,
            year=year,
            window=window,
            opens_at=opens_at,
            closes_at=closes_at,
            review_deadline=deadline,
        )
        return await self.env.client.start_workflow(
            EnrollmentPeriodWorkflow.run,
            PeriodInput(config=cfg),
            id=f"period-{period_id}-{uuid.uuid4().hex[:6]}",
            task_queue=self.task_queue,
        )

    def enrollment_input(
        self, period_id: str, id_number: str, phone: str, closes_at: datetime, **kw
    ) -> EnrollmentInput:
        digest = identity_hash(SECRET, IdType.RESIDENT_ID, id_number)
        return EnrollmentInput(
            application_id=enrollment_workflow_id(period_id, digest) + uuid.uuid4().hex[:4],
            period_id=period_id,
            identity=Identity(id_number=id_number, phone=phone),
            identity_hash=digest,
            phone_hash=keyed_hash(SECRET, phone),
            closes_at=closes_at,
            vision_task_queue=self.vision_queue,
            **kw,
        )

    async def start_application(
        self, inp: EnrollmentInput, memo: dict[str, Any] | None = None
    ) -> WorkflowHandle:
        """`memo`: `domain.case_view.start_memo()` starts the case in the shape the API starts
        it in (workflows/shape.py); without it, in the lean shape of the runs started before."""
        return await self.env.client.start_workflow(
            EnrollmentWorkflow.run,
            inp,
            id=inp.application_id,
            task_queue=self.task_queue,
            memo=memo,
        )

    async def started_with_code_request(
        self, inp: EnrollmentInput, memo: dict[str, Any], client_ip: str = "10.0.3.1"
    ) -> WorkflowHandle:
        """The API's first contact: the start and the SMS code's request in one call
        (update-with-start), with the start's search attributes and `memo`."""
        start = WithStartWorkflowOperation(
            EnrollmentWorkflow.run, inp, id=inp.application_id, task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL, memo=memo,
            search_attributes=start_search_attributes(inp.period_id),
        )  # fmt: skip
        await self.env.client.execute_update_with_start_workflow(
            EnrollmentWorkflow.request_phone_code,
            RequestCodeInput(client_ip=client_ip),
            start_workflow_operation=start,
        )
        return await start.workflow_handle()

    async def api_services(self, period_id: str, tmp_path: Path) -> tuple[Services, Period]:
        """What the API's registration needs (start_or_resume): its services on this server
        and queues, and a period open from yesterday for ten days."""
        now = await self.env.get_current_time()
        period = Period(
            id=period_id, year=2026, window=2, opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10), review_deadline=now + timedelta(days=20),
            state="OPEN",
        )  # fmt: skip
        settings = Settings(
            env="test", var_dir=tmp_path, identity_hmac_key=SECRET,
            enrollment_task_queue=self.task_queue, vision_task_queue=self.vision_queue,
        )  # fmt: skip
        services = Services(
            settings=settings, engine=self.engine, store=LocalObjectStore(tmp_path / "o"),
            otp=OtpService(self.engine, OutboxProvider(), SECRET), temporal=self.env.client,
        )  # fmt: skip
        return services, period

    def last_code(self, phone: str) -> str:
        text = last_outbox_text(self.engine, keyed_hash(SECRET, phone))
        assert text is not None, "no SMS sent"
        code = code_in_message(text)
        assert code, text
        return code


def in_days(now: datetime, days: float) -> datetime:
    return now + timedelta(days=days)
