"""Issue #14 H1 as the outsider ran it: against `ruji dev`, through the Temporal Web UI's HTTP API
(no login, only the UI's CSRF cookie), send plaintext messages that change a case. The worker must
refuse them all: only the API and the ticket coordinator hold the caller-proof key
(docs/security.md, "Temporal messages")."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from domain.enrollment import EnrollmentInput, EnrollmentState, Identity
from domain.states import AppState
from infra.codec import EncryptionCodec, build_data_converter, dev_codec_key_path
from infra.keyring import parse_key_ring
from tests.devstack import DevStack
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

START_TIMEOUT = 60.0
UNTRUSTED = "UNTRUSTED_CALLER"


@pytest.fixture
def stack(tmp_path) -> Iterator[DevStack]:
    dev = DevStack(tmp_path, START_TIMEOUT)
    dev.start()
    yield dev
    dev.stop()


def plain(value: object) -> dict:
    """A payload as a hand-written HTTP request carries it: JSON, not encrypted, no header."""
    return {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(json.dumps(value).encode()).decode(),
    }


class WebUi:
    """The UI's HTTP API as a browser-less outsider uses it: one GET for the CSRF cookie."""

    def __init__(self, port: int):
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30)
        self.http.get("/settings").raise_for_status()
        self.csrf = {"X-CSRF-TOKEN": self.http.cookies["_csrf"]}
        self.ns = "/namespaces/default/workflows"

    def update(self, workflow_id: str, name: str, *args: object) -> httpx.Response:
        body = {
            "workflowExecution": {"workflowId": workflow_id},
            "request": {
                "meta": {"updateId": uuid.uuid4().hex},
                "input": {"name": name, "args": {"payloads": [plain(a) for a in args]}},
            },
            "waitPolicy": {"lifecycleStage": "UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED"},
        }
        return self.http.post(
            f"{self.ns}/{workflow_id}/update/{name}", json=body, headers=self.csrf
        )

    def signal(self, workflow_id: str, name: str, *args: object) -> httpx.Response:
        body = {"input": {"payloads": [plain(a) for a in args]}, "identity": "outsider"}
        return self.http.post(
            f"{self.ns}/{workflow_id}/signal/{name}", json=body, headers=self.csrf
        )

    def start(
        self, workflow_id: str, workflow_type: str, queue: str, arg: object
    ) -> httpx.Response:
        body = {
            "workflowId": workflow_id,
            "workflowType": {"name": workflow_type},
            "taskQueue": {"name": queue},
            "input": {"payloads": [plain(arg)]},
            "requestId": uuid.uuid4().hex,
            "identity": "outsider",
        }
        return self.http.post(f"{self.ns}/{workflow_id}", json=body, headers=self.csrf)


async def operator_client(stack: DevStack) -> Client:
    """Reads (queries, results) with the dev codec key; sends nothing that changes a case."""
    ring = parse_key_ring(dev_codec_key_path(stack.var_dir).read_text())
    return await Client.connect(
        f"127.0.0.1:{stack.ports['temporal']}",
        data_converter=build_data_converter(EncryptionCodec(ring)),
    )


def register(stack: DevStack, serial: int, phone: str) -> str:
    r = httpx.post(
        f"{stack.url}/api/v1/candidate/register",
        json={"id_type": "resident_id", "id_number": valid_id_number(serial), "phone": phone},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()["application_id"]


@pytest.mark.timeout(240)
def test_the_web_ui_http_api_cannot_change_a_case(stack: DevStack) -> None:
    ui = WebUi(stack.ports["ui"])

    # 1. an update on a real case, sent through the UI port without logging in
    case_id = register(stack, 401, "13900004010")
    answer = ui.update(case_id, "withdraw")
    assert answer.status_code == 200, answer.text  # Temporal answers; the outcome is the point
    outcome = answer.json()["outcome"]

    # 2. a forged start: an application that is APPROVED from its first event, then a ticket
    forged_id = f"enroll-forged-{uuid.uuid4().hex[:8]}"
    forged = EnrollmentInput(
        application_id=forged_id,
        period_id="2026-2",
        identity=Identity(id_number=valid_id_number(402), phone="13900004020"),
        identity_hash="0" * 64,
        phone_hash="0" * 64,
        closes_at=datetime.now(UTC) + timedelta(days=10),
        state=EnrollmentState(created_at=datetime.now(UTC), state=AppState.APPROVED),
    )
    started = ui.start(
        forged_id, "EnrollmentWorkflow", "ruji-enrollment", forged.model_dump(mode="json")
    )
    assert started.status_code == 200, started.text  # the server cannot tell; the worker must
    signalled = ui.signal(forged_id, "ticket_assigned", {"number": "999999999999"})
    assert signalled.status_code in (200, 404), signalled.text

    async def outcomes() -> tuple[AppState, object]:
        client = await operator_client(stack)
        view = await client.get_workflow_handle(case_id).query(EnrollmentWorkflow.view)
        try:
            result = await asyncio.wait_for(client.get_workflow_handle(forged_id).result(), 30)
        except WorkflowFailureError as exc:
            result = exc.cause
        return view.state, result

    state, forged_result = asyncio.run(outcomes())
    assert isinstance(forged_result, ApplicationError), (
        f"forged application ran and ended {forged_result!r} (ticket 999999999999 issued)"
    )
    assert forged_result.type == UNTRUSTED
    refused_as = outcome.get("failure", {}).get("applicationFailureInfo", {}).get("type")
    assert (refused_as, state) == (UNTRUSTED, AppState.REGISTERED), (
        f"plaintext withdraw through the Web UI: outcome {outcome}, case now {state}"
    )
