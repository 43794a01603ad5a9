"""Prometheus metrics: what operators watch (docs/operations.md, deploy/grafana/).

Three sources, one naming scheme (`ruji_*`):
- counters kept by the process that sees the event — HTTP requests and refusals in the API,
  ticket numbers in the enrollment worker — in prometheus_client's default registry;
- gauges read from the read model at scrape time (applications by state, tickets issued): the
  read model is shared by every replica, so a restart loses nothing and replicas agree (query
  them with `max by`, not `sum by`);
- the Temporal SDK's own metrics (task slots, schedule-to-start latency, polls), which the Rust
  core serves on its own port: one `Runtime` per process, set before the client connects.

The metric objects are module-level, as prometheus_client expects: creating them registers
names, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from infra.config import ObservabilitySettings

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "ruji_http_requests", "API requests by route template and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "ruji_http_request_duration_seconds",
    "API request latency by route template",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REFUSALS = Counter(
    "ruji_step_refusals", "Refusals answered by the API ({code, message}), by code", ["code"]
)
TICKETS_NUMBERED = Counter(
    "ruji_tickets_numbered", "Admission-ticket numbers assigned by this worker", ["period"]
)


class ReadModelMetrics:
    """A collector: `ruji_applications{period,status}` and `ruji_tickets_issued{period}`, counted
    in the read model when Prometheus scrapes. A database that does not answer yields
    `ruji_read_model_up 0` instead of failing the whole scrape."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        from infra.db import Application, Ticket

        up = GaugeMetricFamily("ruji_read_model_up", "1 when the read model answered the scrape")
        try:
            with Session(self.engine) as session:
                by_state = session.exec(
                    select(Application.period_id, Application.status, func.count()).group_by(
                        Application.period_id, Application.status
                    )
                ).all()
                tickets = session.exec(
                    select(Ticket.period_id, func.count()).group_by(Ticket.period_id)
                ).all()
        except Exception as exc:  # a scrape must not fail because the DB does
            log.warning("read-model metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        apps = GaugeMetricFamily(
            "ruji_applications", "Applications by period and state", labels=["period", "status"]
        )
        for period, status, count in by_state:
            apps.add_metric([period, status], count)
        yield apps
        issued = GaugeMetricFamily(
            "ruji_tickets_issued", "Admission tickets numbered, by period", labels=["period"]
        )
        for period, count in tickets:
            issued.add_metric([period], count)
        yield issued


def exposition(engine: Engine) -> bytes:
    """The API's /metrics body: this process's counters, then the read-model gauges."""
    return generate_latest(REGISTRY) + generate_latest(ReadModelMetrics(engine))


def install_worker_metrics(settings: ObservabilitySettings) -> None:
    """Before the worker's client connects: the SDK's Prometheus endpoint (a process-wide
    Runtime, so only once) and the HTTP endpoint of our own counters."""
    if settings.temporal_metrics_bind:
        from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

        runtime = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(bind_address=settings.temporal_metrics_bind)
            )
        )
        Runtime.set_default(runtime, error_if_already_set=True)
    if settings.metrics_port:
        start_http_server(settings.metrics_port)
