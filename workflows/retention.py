"""RetentionWorkflow: runs the retention job once a day, for ever (continue-as-new keeps its
history short). A long-running workflow rather than a Temporal Schedule because every start must
carry the caller proof (workflows/interceptors.py), which a schedule's stored start cannot: it is
started once, signed, by `ruji retention schedule`, and its later runs inherit that trust."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.retention import RUN_RETENTION, RetentionInput, RetentionReport

RETENTION_WORKFLOW_ID = "ruji-retention"
#: a run deletes objects one case at a time; hours of backlog after an outage still fit
RUN_TIMEOUT = timedelta(hours=2)
RUN_RETRY = RetryPolicy(initial_interval=timedelta(minutes=1), maximum_interval=timedelta(hours=1))
RUNS_PER_HISTORY = 30


@workflow.defn
class RetentionWorkflow:
    @workflow.run
    async def run(self, inp: RetentionInput) -> None:
        runs = inp.runs
        while runs < inp.runs + RUNS_PER_HISTORY:
            report: RetentionReport = await workflow.execute_activity(
                RUN_RETENTION,
                inp,
                result_type=RetentionReport,
                start_to_close_timeout=RUN_TIMEOUT,
                retry_policy=RUN_RETRY,
            )
            runs += 1
            workflow.set_current_details(
                f"第 {runs} 次清理 · 截止 {report.cutoff:%Y-%m-%d} · 删除 {report.cases} 件申请的"
                f"图像和个人信息（{report.objects} 个文件）"
            )
            await workflow.sleep(inp.every)
        workflow.continue_as_new(inp.model_copy(update={"runs": runs}))
