"""The API served over real HTTP on the dev server, with the enrollment and vision stand-in
workers, a period 2026-2 open: what the HTTP walks of this folder start from."""

from __future__ import annotations

import httpx
import pytest

from tests.api.server import seed, serve
from tests.workflows.harness import Harness


@pytest.fixture
async def api(dev_env, engine, task_queue, tmp_path):
    seed(engine, "2026-2")
    async with (
        Harness(dev_env, engine, task_queue) as h,
        serve(dev_env.client, engine, tmp_path, task_queue, h.vision_queue) as url,
    ):
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield http
