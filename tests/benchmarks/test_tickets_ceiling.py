"""The signal ceiling of `ruji bench tickets` measures something real: every no-op workflow
ends on the one signal the coordinator's `signal_each` sends it, and the rate is finite."""

from __future__ import annotations

from temporalio.worker import Worker

from benchmarks.signal_ceiling import SignalCeilingWorkflow, measure_ceiling
from infra.temporal import workflow_runner


async def test_each_no_op_workflow_ends_on_its_signal(dev_env, task_queue):
    client = dev_env.client
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[SignalCeilingWorkflow],
        workflow_runner=workflow_runner(),
    ):
        per_s = await measure_ceiling(client, task_queue, 20, in_flight=5)
    assert per_s > 0  # measure_ceiling returns only once every workflow has ended
