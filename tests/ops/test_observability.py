"""What operators watch: /metrics after a real application ran (HTTP + dev server), /readyz
naming the dependency that is down, and JSON logs that carry the workflow ID."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event
from temporalio import activity
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.tickets import TicketActivities
from api.app import create_app
from api.deps import Services
from domain.tickets import NumberPageInput
from infra.config import ObservabilitySettings, Settings
from infra.db import make_engine
from infra.logmask import install_log_masking
from infra.metrics import ReadModelMetrics
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore
from ruji_cli.dev_procs import free_port
from tests.api.server import seed, serve, serve_app
from tests.workflows.flow import claim_and_approve, from_id_step_to_draft, zhuanke_form
from tests.workflows.harness import SECRET, Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

PERIOD = "2026-2"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


async def scrape(http: httpx.AsyncClient) -> dict:
    r = await http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def scrape_until(http: httpx.AsyncClient, name: str, **labels: str) -> dict:
    """Scrapes until the gauge `name{labels}` is 1 (10 s at most)."""
    for _ in range(100):
        metrics = await scrape(http)
        if value(metrics, name, **labels) == 1:
            return metrics
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name}{labels} never reached 1")


async def approved_over_http(http, client, h) -> str:
    """Register and verify over HTTP (one wrong code first), then the remaining steps on the
    workflow (tests/workflows covers them) up to an examiner's approval."""
    phone = "13700004321"
    r = await http.post(
        "/api/v1/candidate/register", json={"id_number": valid_id_number(41), "phone": phone}
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    r = await http.post("/api/v1/candidate/verify", json={"application_id": app_id, "code": "0"})
    assert r.status_code == 422 and r.json()["code"] == "SMS_CODE_WRONG"
    r = await http.post(
        "/api/v1/candidate/verify", json={"application_id": app_id, "code": h.last_code(phone)}
    )
    assert r.status_code == 200, r.text

    handle = client.get_workflow_handle(app_id)
    await from_id_step_to_draft(handle)
    await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
    await handle.execute_update(EnrollmentWorkflow.submit)
    await claim_and_approve(handle)
    return app_id


async def test_metrics_expose_business_counters_after_an_application(
    dev_env, engine, task_queue, tmp_path
):
    seed(engine, PERIOD)
    async with (
        Harness(dev_env, engine, task_queue) as h,
        serve(dev_env.client, engine, tmp_path, task_queue, h.vision_queue) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        before = await scrape(http)
        app_id = await approved_over_http(http, dev_env.client, h)

        # the projection writes the read model after the update, and the API reads the read
        # model's gauges at most every 5 s
        metrics = await scrape_until(http, "ruji_applications", period=PERIOD, status="APPROVED")
        assert value(metrics, "ruji_read_model_up") == 1

        refusals = "ruji_step_refusals_total"
        assert value(metrics, refusals, code="SMS_CODE_WRONG") == (
            value(before, refusals, code="SMS_CODE_WRONG") + 1
        )
        verify = dict(method="POST", route="/api/v1/candidate/verify")
        assert value(metrics, "ruji_http_requests_total", **verify, status="422") >= 1
        assert value(metrics, "ruji_http_requests_total", **verify, status="200") >= 1
        assert value(metrics, "ruji_http_request_duration_seconds_count", **verify) >= 2
        assert not any(app_id in name or app_id in str(labels) for name, labels in metrics)

        # the deadline's coordinator numbers approved applications page by page
        tickets = TicketActivities(engine, dev_env.client)
        page = NumberPageInput(period_id=PERIOD, year=2026, window=2, page_size=10)
        result = ActivityEnvironment().run(tickets.number_ticket_page, page)
        assert [g.workflow_id for g in result.grants] == [app_id]

        after = await scrape_until(http, "ruji_tickets_issued", period=PERIOD)
        numbered = "ruji_tickets_numbered_total"
        assert value(after, numbered, period=PERIOD) == value(before, numbered, period=PERIOD) + 1


def _services(tmp_path, engine, temporal: Client | None) -> tuple[Settings, Services]:
    settings = Settings(env="test", var_dir=tmp_path, secret_key="k", identity_hmac_key=SECRET)
    provider = OutboxProvider()
    store = LocalObjectStore(tmp_path / "objects")
    otp = OtpService(engine, provider, SECRET)
    return settings, Services(settings, engine, store, otp, temporal=temporal)


async def test_where_a_metrics_port_is_set_the_metrics_are_served_there_only(engine, tmp_path):
    """Compose publishes the API's port to the internet and gives the API a metrics port it does
    not publish: the API's own /metrics answers 404 like an unknown path."""
    settings, services = _services(tmp_path, engine, None)
    port = free_port()
    settings.observability.metrics_port = port
    async with serve_app(create_app(settings, services), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            public, unknown = await http.get("/metrics"), await http.get("/no-such-path")
            assert public.status_code == 404 and public.json() == unknown.json()
            internal = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert internal.status_code == 200
    metrics = samples(internal.text)
    assert value(metrics, "ruji_read_model_up") == 1
    assert any(name.startswith("ruji_http_requests") for name, _ in metrics)


async def test_methods_a_client_makes_up_add_no_series(engine, tmp_path):
    """The method label was the request's own: h11 takes any token as a method (httptools some
    35), so each made-up method was a new counter and histogram series, kept for good: a
    client could grow the API's memory and Prometheus's without limit."""
    settings, services = _services(tmp_path, engine, None)
    async with serve_app(create_app(settings, services), free_port(), http="h11") as url:
        async with httpx.AsyncClient(base_url=url) as http:
            for i in range(20):
                await http.request(f"PROBE4X{i}", "/no-such-path")
            metrics = await scrape(http)
    methods = {
        dict(labels)["method"]
        for name, labels in metrics
        if name.startswith("ruji_http_request") and "method" in dict(labels)
    }
    assert not any(m.startswith("PROBE4X") for m in methods), sorted(methods)
    assert (
        value(metrics, "ruji_http_requests_total", method="other", route="unmatched", status="405")
        + value(
            metrics, "ruji_http_requests_total", method="other", route="unmatched", status="404"
        )
        >= 20
    )


def test_the_read_model_gauges_are_read_at_most_every_few_seconds(engine):
    """Whoever reaches /metrics must not make the database run its aggregates at will; an
    outage is kept as long as a good read (no connection attempt per scrape either)."""
    clock = [100.0]
    gauges = ReadModelMetrics(engine, fresh_s=5.0, clock=lambda: clock[0])
    reads: list[str] = []

    def read(conn, cursor, statement: str, *args: object) -> None:
        if "count(" in statement.lower():
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", read)
    try:
        for _ in range(3):
            list(gauges.collect())
        assert len(reads) == 2  # applications by state, tickets: once
        clock[0] += 4.9
        list(gauges.collect())
        assert len(reads) == 2
        clock[0] += 0.2
        list(gauges.collect())
        assert len(reads) == 4
    finally:
        event.remove(engine, "before_cursor_execute", read)


async def readyz(tmp_path, engine, temporal: Client | None) -> httpx.Response:
    settings, services = _services(tmp_path, engine, temporal)
    async with serve_app(create_app(settings, services), free_port()) as url:
        return await httpx.AsyncClient(base_url=url).get("/readyz")


async def test_readyz_ready_when_every_dependency_answers(dev_env, engine, tmp_path):
    r = await readyz(tmp_path, engine, dev_env.client)
    assert r.status_code == 200
    assert r.json() == {
        "ready": True,
        "checks": {"database": "ok", "temporal": "ok", "storage": "ok"},
        "failing": [],
    }


async def test_readyz_names_the_database_when_it_is_down(dev_env, tmp_path):
    down = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/ruji")
    r = await readyz(tmp_path, down, dev_env.client)
    assert r.status_code == 503
    body = r.json()
    assert body["ready"] is False and body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("failing: ")
    assert body["checks"]["temporal"] == body["checks"]["storage"] == "ok"


async def test_readyz_names_temporal_when_it_is_down(engine, tmp_path):
    unreachable = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    r = await readyz(tmp_path, engine, unreachable)
    assert r.status_code == 503 and r.json()["failing"] == ["temporal"]

    r = await readyz(tmp_path, engine, None)  # the API started before Temporal was reachable
    assert r.status_code == 503 and r.json()["failing"] == ["temporal"]


async def test_healthz_stays_live_while_dependencies_are_down(tmp_path):
    down = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/ruji")
    settings, services = _services(tmp_path, down, None)
    async with serve_app(create_app(settings, services), free_port()) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).status_code == 503
            metrics = await scrape(http)  # a DB outage must not break the scrape
            assert value(metrics, "ruji_read_model_up") == 0


@pytest.fixture
def json_root_logger(monkeypatch):
    """The root logger as a worker sets it up, writing into a buffer; restored afterwards."""
    monkeypatch.setenv("RUJI_LOG_FORMAT", "json")
    root, buffer = logging.getLogger(), io.StringIO()
    saved = root.handlers[:], root.level
    root.handlers, root.level = [logging.StreamHandler(buffer)], logging.INFO
    yield buffer
    root.handlers, root.level = saved


async def test_json_logs_carry_the_workflow_id_and_mask_pii(json_root_logger):
    install_log_masking(json_format=ObservabilitySettings().json_logs, extra_loggers=())

    @activity.defn(name="log_something")
    def log_something() -> None:
        activity.logger.info("sms sent to %s", "13812345678")

    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, workflow_id="enroll-2026-2-abc", activity_type="log_something"
    )
    env.run(log_something)

    line = json.loads(json_root_logger.getvalue().splitlines()[-1])
    assert line["workflow_id"] == "enroll-2026-2-abc"
    assert line["activity_type"] == "log_something"
    assert "13812345678" not in line["message"] and re.search(r"138\*+5678", line["message"])


async def test_readiness_is_checked_at_most_every_few_seconds(engine, tmp_path, monkeypatch):
    """/readyz probes the database, Temporal and the store; whoever reaches the API's port must
    not make it do so at will."""
    import api.deps as deps

    checks: list[int] = []
    real = deps.check_readiness

    async def counted(*args):
        checks.append(1)
        return await real(*args)

    monkeypatch.setattr(deps, "check_readiness", counted)
    _, services = _services(tmp_path, engine, None)
    clock = [100.0]
    services.readiness.clock = lambda: clock[0]
    answers = await asyncio.gather(*(services.readiness.get() for _ in range(5)))
    assert len(checks) == 1 and all(a.failing == ["temporal"] for a in answers)
    clock[0] += 2.1
    await services.readiness.get()
    assert len(checks) == 2
