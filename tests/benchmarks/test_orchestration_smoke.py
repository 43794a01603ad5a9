"""`ruji bench orchestration` keeps working: two rounds of four lifecycles between two of four
no-op ceilings through the real dev server, worker and read model, and every figure the issue
asks for is reported. Figures
of a smoke run mean nothing and are not recorded."""

from __future__ import annotations

import pytest

from benchmarks.orchestration import measure

pytestmark = pytest.mark.timeout(300)


async def test_four_lifecycles_report_every_figure() -> None:
    result = await measure(apps=4, concurrency=2)

    assert result["updates_per_app"] == 8 and result["ceiling_updates_per_app"] == 12
    assert 60 <= result["events_per_app"] <= 75, result["event_types"]  # shape 3: 73
    assert result["event_types"]["WORKFLOW_EXECUTION_UPDATE_COMPLETED"] == 8
    assert 0 < result["actions_per_app"] < result["events_per_app"]
    for figure in ("apps_per_s", "ceiling_apps_per_s", "ratio", "update_p99_ms",
                   "ceiling_update_p99_ms", "bench_process_cpu_s_per_app",
                   "server_cpu_s_per_app", "ceiling_server_cpu_s_per_app",
                   "history_kib_per_app", "update_p99_ms_after_first_wave"):  # fmt: skip
        assert result[figure] > 0, figure
    by_step = result["update_p50_p99_ms_by_step"]
    assert len(by_step) == 9 and all(0 < p50 <= p99 for p50, p99 in by_step.values()), by_step
    assert len(result["round_ratios"]) == 2 and all(r > 0 for r in result["round_ratios"])
