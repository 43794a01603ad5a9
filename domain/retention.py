"""Contracts of the retention run (infra/retention.py): what the daily workflow asks for and what
a run reports. The run's rules live with its SQL; only the models cross Temporal."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

RUN_RETENTION = "run_retention"
#: how often the retention workflow runs the job
RETENTION_EVERY = timedelta(days=1)


class RetentionInput(BaseModel):
    every: timedelta = RETENTION_EVERY
    runs: int = 0  # carried over by continue-as-new


class RetentionReport(BaseModel):
    cutoff: datetime
    cases: int = 0
    objects: int = 0
    sms_messages: int = 0
    sms_codes: int = 0
    sign_ins: int = 0
    dry_run: bool = False
