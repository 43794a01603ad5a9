"""A worker process serves the Temporal SDK's metrics and its own counters where Prometheus
scrapes them (deploy/prometheus.yml). A subprocess, because the SDK runtime is per process and
must be set before the first client connects."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import httpx

from ruji_cli.dev_procs import free_port
from tests.conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from temporalio import activity
    from temporalio.client import Client
    from temporalio.worker import Worker
    from infra.config import ObservabilitySettings
    from infra.metrics import install_worker_metrics

    @activity.defn
    async def probe() -> None: ...

    async def main():
        install_worker_metrics(ObservabilitySettings())
        client = await Client.connect(sys.argv[1])
        async with Worker(client, task_queue="metrics-probe", activities=[probe]):
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.read)

    asyncio.run(main())
    """
)


def test_worker_serves_sdk_and_own_metrics(dev_env):
    sdk_port, own_port = free_port(), free_port()
    env = {
        **os.environ,
        "RUJI_TEMPORAL_METRICS_BIND": f"127.0.0.1:{sdk_port}",
        "RUJI_METRICS_PORT": str(own_port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, dev_env.client.service_client.config.target_host],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        sdk = httpx.get(f"http://127.0.0.1:{sdk_port}/metrics", timeout=10).text
        own = httpx.get(f"http://127.0.0.1:{own_port}/metrics", timeout=10).text
    finally:
        proc.communicate("", timeout=30)

    assert "temporal_worker_task_slots_available{" in sdk and 'task_queue="metrics-probe"' in sdk
    assert "# TYPE ruji_tickets_numbered_total counter" in own
