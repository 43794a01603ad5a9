"""The period's current dates told with a case (domain/deadline_notes.py): read from the period's
row, which follows every move an operator makes, when the candidate looks, not when the case
last changed. The case's workflow does not know the review deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api.deps import ServicesDep, SessionDep, run_db
from domain.deadline_notes import reopened_note, resubmit_note, submit_note
from domain.enrollment import ApplicationView
from domain.period import close_out_at
from domain.states import PRE_SUBMIT, AppState
from infra.db import Period, as_utc

#: where the candidate submits (again): the dialog's texts concern him
_SUBMITTABLE = (*PRE_SUBMIT, AppState.RETURNED)


def _period(session: Session, period_id: str) -> Period | None:
    return session.get(Period, period_id)


def resubmit_by(period: Period, services: ServicesDep) -> datetime:
    """The close-out of the period (RUJI_CLOSE_OUT_AFTER_DAYS as the period was created with it,
    after its current review deadline): a returned case still returned then ends. A period row
    projected before it kept that distance is told today's setting."""
    close_out_after = period.close_out_after() or timedelta(
        days=services.settings.close_out_after_days
    )
    return close_out_at(as_utc(period.review_deadline), close_out_after)


async def return_deadline(
    services: ServicesDep, session: SessionDep, period_id: str
) -> datetime | None:
    period = await run_db(session, _period, period_id)
    return resubmit_by(period, services) if period else None


async def with_deadlines(
    services: ServicesDep, session: SessionDep, view: ApplicationView
) -> ApplicationView:
    """The view with what the candidate is told of the dates now: by when a returned case (or a
    submitted one a change put back to its steps) must go in again, what the submit dialog says."""
    if view.state not in _SUBMITTABLE:
        return view
    period = await run_db(session, _period, view.period_id)
    if period is None:
        return view
    now = datetime.now(UTC)
    told: dict[str, object] = {
        "submit_note": submit_note(now, as_utc(period.closes_at), as_utc(period.review_deadline))
    }
    if view.state == AppState.RETURNED:
        by = resubmit_by(period, services)
        told |= {"resubmit_by": by, "resubmit_note": resubmit_note(by)}
    elif view.submitted_at is not None:  # submitted, then put back to its steps by a change
        closes_at = as_utc(period.closes_at)
        told |= {"resubmit_by": closes_at, "resubmit_note": reopened_note(closes_at)}
    return view.model_copy(update=told)
