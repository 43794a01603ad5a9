"""`ruji retention run`: delete the images and personal data of applications that ended
(expired, withdrawn, rejected, superseded) more than `RUJI_RETENTION_DAYS` ago, leaving the
audit stub (infra/retention.py). Run it daily — from cron, a Kubernetes CronJob, or the Temporal
schedule the enrollment worker serves (`ruji retention schedule`, docs/operations.md).

    ruji retention run [--dry-run] [--days N]
    ruji retention schedule        # create or update the daily Temporal schedule
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from temporalio.common import WorkflowIDConflictPolicy

from domain.retention import RetentionInput
from infra.admin_audit import terminal_actor
from infra.config import Settings, get_settings
from infra.db import engine_for
from infra.migrations import SchemaBehindError, require_current_schema
from infra.retention import run_retention
from infra.storage import build_object_store
from infra.temporal import connect
from workflows.retention import RETENTION_WORKFLOW_ID, RetentionWorkflow


async def ensure_schedule(settings: Settings) -> str:
    """Start the daily run unless it runs already (a restart finds the same workflow)."""
    client = await connect(settings, signs_as="cli")
    handle = await client.start_workflow(
        RetentionWorkflow.run,
        RetentionInput(),
        id=RETENTION_WORKFLOW_ID,
        task_queue=settings.enrollment_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return f"retention workflow {handle.id} runs daily on {settings.enrollment_task_queue}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji retention", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="purge the cases due now")
    run.add_argument("--dry-run", action="store_true", help="count the cases due, change nothing")
    run.add_argument("--days", type=int, default=None, help="override RUJI_RETENTION_DAYS")
    sub.add_parser("schedule", help="create or update the daily Temporal schedule")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.action == "schedule":
        print(asyncio.run(ensure_schedule(settings)))
        return 0
    engine = engine_for(settings)
    try:
        require_current_schema(engine)
    except SchemaBehindError as behind:
        print(f"ruji retention: {behind}")
        return 2
    report = run_retention(
        engine,
        build_object_store(settings),
        retention_days=args.days or settings.retention_days,
        now=datetime.now(UTC),
        actor=terminal_actor(),
        dry_run=args.dry_run,
    )
    print(report.model_dump_json())
    return 0
