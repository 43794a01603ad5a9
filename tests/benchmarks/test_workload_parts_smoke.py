"""`ruji bench workload_parts` keeps working: every variant runs through the real dev server and
its extra events are really there (a variant that silently did nothing would price its part at
zero). Figures of a smoke run mean nothing and are not recorded."""

from __future__ import annotations

import pytest

from benchmarks.workload_parts import VARIANTS, measure

pytestmark = pytest.mark.timeout(300)


async def test_every_part_runs_and_is_priced() -> None:
    result = await measure(apps=3, concurrency=3)

    assert [row["part"] for row in result["variants"]] == list(VARIANTS)
    assert set(result["added_cpu_ms"]) == set(VARIANTS) - {"bare"}
    events = result["events"]
    assert all(events[part] > events["bare"] for part in set(VARIANTS) - {"bare"}), events
