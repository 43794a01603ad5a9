"""The office's statistics, on SQLite and Postgres: each figure against cases made for it, and
the whole page in a fixed number of aggregate statements whatever the number of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import Session

from infra.db import Account, Application, AuditEvent
from infra.statistics import statistics

NOW = datetime(2026, 9, 20, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
PERIOD = "2026-2"


def _case(session, n: int, status: str, region: str, major: str, level: str, **extra) -> str:
    wid = f"enroll-{PERIOD}-{n:04d}"
    session.add(
        Application(
            workflow_id=wid,
            period_id=extra.pop("period_id", PERIOD),
            status=status,
            id_hash=f"i{n}",
            phone_hash=f"p{n}",
            region=region,
            major=major,
            level=level,
            **extra,
        )
    )
    return wid


def _event(session, wid: str, seq: int, actor: str, action: str, at: datetime) -> None:
    session.add(AuditEvent(workflow_id=wid, seq=seq, actor=actor, action=action, at=at))


def _seed(engine) -> None:
    day1 = datetime(2026, 9, 1, 17, 0, tzinfo=UTC)  # 01:00 on 9-02 in Beijing
    day2 = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)
    with Session(engine) as s:
        s.add(Account(id="acct-wang", username="wang", password_hash="-", role="examiner"))
        ago = [timedelta(hours=2), timedelta(days=2), timedelta(days=20)]
        waiting = [
            _case(s, 1, "SUBMITTED", "01", "530302", "zhuanke", submitted_at=NOW - ago[0]),
            _case(s, 2, "SUBMITTED", "01", "530302", "zhuanke", submitted_at=NOW - ago[1]),
            _case(s, 3, "SUBMITTED", "06", "050101", "benke", submitted_at=NOW - ago[2]),
        ]
        approved = _case(s, 4, "TICKET_ISSUED", "01", "050101", "benke", submitted_at=day2)
        returned_then_approved = _case(s, 5, "APPROVED", "06", "050101", "benke", submitted_at=day2)
        rejected = _case(s, 6, "REJECTED", "06", "530302", "zhuanke", submitted_at=day2)
        _case(s, 7, "DRAFT", "01", "530302", "zhuanke")
        _case(s, 8, "SUBMITTED", "01", "530302", "zhuanke", period_id="2026-1", submitted_at=day2)
        for wid in (*waiting, approved, returned_then_approved, rejected):
            _event(s, wid, 1, "system", "registered", day1)
        _event(s, approved, 2, "examiner:acct-wang", "approved", day2)
        _event(s, returned_then_approved, 2, "examiner:acct-wang", "returned", day2)
        _event(s, returned_then_approved, 3, "examiner:acct-gone", "approved:override", day2)
        _event(s, rejected, 2, "examiner:acct-wang", "rejected", day2)
        _event(s, rejected, 3, "candidate", "withdraw_refused", day2)
        s.commit()


def test_every_figure_counts_what_it_says(any_engine):
    _seed(any_engine)
    with Session(any_engine) as session:
        stats = statistics(session, PERIOD, NOW)
    regions = {b.key: (b.total, b.pending, b.approved, b.rejected) for b in stats.by_region}
    assert regions == {"01": (4, 2, 1, 0), "06": (3, 1, 1, 1)}
    assert {b.key: b.total for b in stats.by_level} == {"benke": 3, "zhuanke": 4}
    assert {b.key: b.approved for b in stats.by_major} == {"050101": 2, "530302": 0}
    # a case returned and later approved counts once for each decision
    assert stats.decisions.model_dump() == {"approved": 2, "returned": 1, "rejected": 1}
    assert [(e.examiner, e.approved, e.returned, e.rejected) for e in stats.examiners] == [
        ("acct-gone", 1, 0, 0),  # the account no longer exists: its id stands in
        ("wang", 1, 1, 1),
    ]
    assert [(b.label, b.count) for b in stats.queue_age.buckets] == [
        ("<1天", 1),
        ("1–3天", 1),
        ("3–7天", 0),
        ("7–14天", 0),
        (">14天", 1),
    ]
    assert stats.queue_age.oldest_submitted_at == NOW - timedelta(days=20)
    daily = {d.day: (d.registered, d.submitted) for d in stats.daily}
    # 17:00 UTC on 09-01 is already 09-02 in Beijing
    assert daily["2026-09-02"] == (6, 0) and daily["2026-09-03"] == (0, 3)
    assert "2026-09-01" not in daily


def _statements(engine, period: str) -> tuple[int, int]:
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with Session(engine) as session:
            stats = statistics(session, period, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen), sum(b.total for b in stats.by_region)


def test_the_page_costs_the_same_statements_for_ten_cases_or_four_hundred(any_engine):
    with Session(any_engine) as s:
        for n in range(10):
            _case(s, n, "SUBMITTED", "01", "530302", "zhuanke", submitted_at=NOW)
        s.commit()
    few = _statements(any_engine, PERIOD)
    with Session(any_engine) as s:
        for n in range(10, 400):
            _case(s, n, "SUBMITTED", f"{n % 14 + 1:02d}", "530302", "zhuanke", submitted_at=NOW)
        s.commit()
    many = _statements(any_engine, PERIOD)
    assert (few[1], many[1]) == (10, 400)
    assert few[0] == many[0] <= 8  # one aggregate query per figure, no row loaded
