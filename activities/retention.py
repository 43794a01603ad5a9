"""The retention run as an activity of the enrollment worker, for the daily RetentionWorkflow."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from temporalio import activity

from domain.retention import RUN_RETENTION, RetentionInput, RetentionReport
from infra.retention import run_retention
from infra.storage import ObjectStore

RETENTION_ACTOR = "system:retention-workflow"


class RetentionActivities:
    def __init__(self, engine: Engine, store: ObjectStore, retention_days: int):
        self.engine = engine
        self.store = store
        self.retention_days = retention_days

    @activity.defn(name=RUN_RETENTION)
    def run_retention(self, _: RetentionInput) -> RetentionReport:
        """The period comes from the worker's settings, never from the caller."""
        return run_retention(
            self.engine,
            self.store,
            retention_days=self.retention_days,
            now=datetime.now(UTC),
            actor=RETENTION_ACTOR,
        )
