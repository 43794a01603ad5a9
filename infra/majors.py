"""The majors a period offers, read from and edited in the read model (`MajorEdition` rows over the
seed table of domain/catalogs). Editing adds a version and its StaffAudit row in one
transaction; the latest version is what new choices get."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.catalogs import Level
from domain.errors import refuse
from domain.majors import MajorChoice, MajorEdit, MajorRefusal, check_edit, effective_majors
from infra.admin_audit import audit_change
from infra.db import Application, MajorEdition, Period


def edition_choice(row: MajorEdition) -> MajorChoice:
    return MajorChoice(
        code=row.code,
        name=row.name,
        level=Level(row.level),
        restricted=row.restricted,
        condition_text=row.condition_text,
        offered=row.offered,
        version=row.version,
    )


def latest_editions(session: Session, period_id: str) -> list[MajorChoice]:
    newest = (
        select(MajorEdition.code, func.max(MajorEdition.version).label("version"))
        .where(MajorEdition.period_id == period_id)
        .group_by(col(MajorEdition.code))
        .subquery()
    )
    rows = session.exec(
        select(MajorEdition)
        .join(
            newest,
            (col(MajorEdition.code) == newest.c.code)
            & (col(MajorEdition.version) == newest.c.version),
        )
        .where(MajorEdition.period_id == period_id)
    )
    return [edition_choice(row) for row in rows]


def period_majors(session: Session, period_id: str) -> list[MajorChoice]:
    """Every major of the period, offered or not, as the admin edits them."""
    return effective_majors(latest_editions(session, period_id))


def names_in_periods(session: Session, period_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """The majors of each period named as its code table names them now (an admin's edit over
    the seed table), by (period, code): what the office's lists show beside a case's code. One
    lookup per period, and a page of cases is of one period or a few."""
    return {
        (period_id, major.code): major.name
        for period_id in sorted(set(period_ids))
        for major in period_majors(session, period_id)
    }


def name_on(names: Mapping[tuple[str, str], str], case: Application) -> str:
    """A case's major as `names` (`names_in_periods` of its period) names it; empty without."""
    return names.get((case.period_id, case.major or ""), "")


def majors_of_every_period(session: Session) -> list[MajorChoice]:
    """Every major any period has (offered or withdrawn), each as the newest period names it:
    what the office filters its lists by, across the periods its cases come from."""
    periods = session.exec(select(Period.id).order_by(col(Period.opens_at))).all()
    newest: dict[str, MajorChoice] = {}
    for period_id in periods:
        newest.update((major.code, major) for major in period_majors(session, period_id))
    return list(newest.values()) if newest else effective_majors([])


def offered_majors(session: Session, period_id: str) -> list[MajorChoice]:
    return [major for major in period_majors(session, period_id) if major.offered]


def resolve_choice(
    session: Session, period_id: str, code: str, kept: MajorChoice | None
) -> MajorChoice | None:
    """The edition a form saved now chooses. A case that keeps its major keeps the edition it
    chose (an admin's later edit is for new choices); an unknown code resolves to nothing and
    the workflow's form check names it (FORM_MAJOR) with the form's other problems."""
    if kept is not None and kept.code == code:
        return kept
    found = next((m for m in period_majors(session, period_id) if m.code == code), None)
    if found is not None and not found.offered:
        raise refuse(MajorRefusal.MAJOR_NOT_OFFERED, f"{found.code} {found.name}")
    return found


def save_edition(
    session: Session, period_id: str, code: str, edit: MajorEdit, *, actor: str
) -> MajorChoice:
    check_edit(code, edit)
    current = session.exec(
        select(func.max(MajorEdition.version)).where(
            MajorEdition.period_id == period_id, MajorEdition.code == code
        )
    ).one()
    row = MajorEdition(
        period_id=period_id,
        code=code,
        version=(current or 0) + 1,
        name=edit.name.strip(),
        level=edit.level.value,
        restricted=edit.restricted,
        condition_text=edit.condition_text.strip(),
        offered=edit.offered,
        edited_by=actor,
    )
    session.add(row)
    audit_change(session, actor, "major_edited", period=period_id, major=code, version=row.version)
    session.commit()
    return edition_choice(row)
