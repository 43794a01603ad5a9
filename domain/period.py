"""Models that cross the boundary of EnrollmentPeriodWorkflow."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field


class PeriodConfig(BaseModel):
    period_id: str
    year: int
    window: int  # 1 or 2: which window of the year
    opens_at: datetime
    closes_at: datetime
    review_deadline: datetime
    #: the close-out of cases still SUBMITTED or RETURNED, after the review deadline
    #: (domain/closeout.py; RUJI_CLOSE_OUT_AFTER_DAYS when the period is created)
    close_out_after: timedelta = timedelta(days=14)

    @property
    def close_out_at(self) -> datetime:
        return close_out_at(self.review_deadline, self.close_out_after)


def close_out_at(review_deadline: datetime, close_out_after: timedelta) -> datetime:
    """When the period closes out the cases still submitted or returned (domain/closeout.py):
    the last moment a returned case can go in again."""
    return review_deadline + close_out_after


class PeriodPhase(StrEnum):
    """Where an enrollment period is, in this order."""

    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    ISSUING = "ISSUING"  # the review deadline passed: ticket numbers are being issued
    ISSUED = "ISSUED"


class PeriodState(BaseModel):
    state: PeriodPhase = PeriodPhase.SCHEDULED
    issued: int = 0
    runs: int = 0
    supplementary_requests: int = 0
    #: the close-out ran; how many open cases it told to end
    closed_out: bool = False
    closed_out_cases: int = 0


class PeriodInput(BaseModel):
    config: PeriodConfig
    state: PeriodState = Field(default_factory=PeriodState)


class DeadlineChange(BaseModel):
    review_deadline: datetime


class WindowChange(BaseModel):
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class PeriodView(BaseModel):
    config: PeriodConfig
    state: PeriodState
