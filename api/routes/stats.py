"""The office's statistics for one period (admins and operators): the figures the console draws,
and each table behind a chart as CSV, so the numbers can be checked and reused."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import OperatorDep, SessionDep
from domain.catalogs import REGIONS, Level
from domain.ids import PERIOD_ID_PATTERN
from infra.exports import csv_text
from infra.majors import period_majors
from infra.statistics import Breakdown, Statistics, statistics

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])

PeriodQuery = Annotated[str, Query(pattern=PERIOD_ID_PATTERN, examples=["2026-2"])]


class Table(StrEnum):
    REGIONS = "regions"
    MAJORS = "majors"
    LEVELS = "levels"
    DECISIONS = "decisions"
    QUEUE_AGE = "queue_age"
    EXAMINERS = "examiners"
    DAILY = "daily"


BREAKDOWN_HEAD: list[object] = ["代码", "名称", "合计", "待审/退回", "通过", "不通过"]


def _level_name(code: str) -> str:
    return Level(code).label if code in Level._value2member_map_ else code


def _breakdown(rows: list[Breakdown], name: Callable[[str], str]) -> list[Sequence[object]]:
    return [
        BREAKDOWN_HEAD,
        *[[r.key, name(r.key), r.total, r.pending, r.approved, r.rejected] for r in rows],
    ]


def rows_of(stats: Statistics, table: Table, major_names: dict[str, str]) -> list[Sequence[object]]:
    """One table of the statistics as CSV rows, header first (Chinese, as the console shows);
    majors are named as the period's code table names them now."""
    if table is Table.REGIONS:
        return _breakdown(stats.by_region, lambda code: REGIONS.get(code, ""))
    if table is Table.MAJORS:
        return _breakdown(stats.by_major, lambda code: major_names.get(code, ""))
    if table is Table.LEVELS:
        return _breakdown(stats.by_level, _level_name)
    if table is Table.DECISIONS:
        d = stats.decisions
        return [
            ["决定", "次数"],
            ["通过", d.approved],
            ["退回", d.returned],
            ["不通过", d.rejected],
        ]
    if table is Table.QUEUE_AGE:
        return [["等待时长", "件数"]] + [[b.label, b.count] for b in stats.queue_age.buckets]
    if table is Table.EXAMINERS:
        head = ["审核员", "通过", "退回", "不通过"]
        return [head] + [[e.examiner, e.approved, e.returned, e.rejected] for e in stats.examiners]
    return [["日期", "注册", "提交"]] + [[d.day, d.registered, d.submitted] for d in stats.daily]


@router.get("")
async def period_statistics(
    period_id: PeriodQuery, session: SessionDep, _: OperatorDep
) -> Statistics:
    now = datetime.now(UTC)
    return await asyncio.to_thread(statistics, session, period_id, now)


@router.get(
    "/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the table as CSV"}},
)
async def statistics_csv(
    table: Table, period_id: PeriodQuery, session: SessionDep, _: OperatorDep
) -> Response:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese text."""
    stats = await asyncio.to_thread(statistics, session, period_id, datetime.now(UTC))
    majors = await asyncio.to_thread(period_majors, session, period_id)
    out = io.StringIO()
    rows = rows_of(stats, table, {m.code: m.name for m in majors})
    csv.writer(out).writerows([csv_text(cell) for cell in row] for row in rows)
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="stats-{period_id}-{table.value}.csv"',
            "Cache-Control": "no-store",
        },
    )
