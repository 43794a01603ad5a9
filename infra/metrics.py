"""Prometheus metrics: what operators watch (docs/operations.md, deploy/grafana/).

Three sources, one naming scheme (`ruji_*`):
- counters kept by the process that sees the event — HTTP requests and refusals in the API,
  ticket numbers in the enrollment worker — in prometheus_client's default registry;
- gauges read from the read model at scrape time, at most every 5 s (applications by state,
  tickets issued): the read model is shared by every replica, so a restart loses nothing and
  replicas agree (query them with `max by`, not `sum by`);
- the Temporal SDK's own metrics (task slots, schedule-to-start latency, polls), which the Rust
  core serves on its own port: one `Runtime` per process, set before the client connects.

The metric objects are module-level, as prometheus_client expects: creating them registers
names, nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from infra.config import ObservabilitySettings
from infra.kept import KeptInThreads

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


#: the read-model gauges are read at most this often per process (Prometheus scrapes every 15 s):
#: a scrape runs two aggregate queries over the read model, and whoever can reach /metrics
#: could otherwise have the database run them as fast as he can ask
READ_MODEL_FRESH_S = 5.0

_Counts = tuple[list[Any], list[Any]]


class ReadModelMetrics:
    """A collector: `ruji_applications{period,status}` and `ruji_tickets_issued{period}`, counted
    in the read model, at most every `fresh_s` (a failed read too: an outage does not turn each
    scrape into a connection attempt). A database that does not answer yields
    `ruji_read_model_up 0` instead of failing the whole scrape."""

    def __init__(
        self,
        engine: Engine,
        fresh_s: float = READ_MODEL_FRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.engine = engine
        self._counts = KeptInThreads(self._read, fresh_s, clock)

    def collect(self) -> Iterator[Metric]:
        counts = self._counts.get()
        up = GaugeMetricFamily("ruji_read_model_up", "1 when the read model answered the scrape")
        up.add_metric([], 0 if counts is None else 1)
        yield up
        if counts is None:
            return
        by_state, tickets = counts
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

    def _read(self) -> _Counts | None:
        from infra.db import Application, Ticket

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
            return None
        return list(by_state), list(tickets)


class _ProcessCounters:
    """prometheus_client's default registry (this process's counters) as one collector."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class ApiMetrics:
    """What an API process exposes: its counters and the read-model gauges. On the API's own
    port as /metrics in development; where `RUJI_METRICS_PORT` is set (compose), only on that
    port, which is not published: the internet reaches the API's port."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_ProcessCounters())
        self.registry.register(ReadModelMetrics(engine))

    def body(self) -> bytes:
        return generate_latest(self.registry)

    def serve(self, port: int) -> Callable[[], None]:
        """Serves them on `port` (all interfaces of the container); returns the stop."""
        server, _ = start_http_server(port, registry=self.registry)
        return server.shutdown


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
