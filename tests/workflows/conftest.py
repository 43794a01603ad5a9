"""Fixtures the workflow tests share. `harness` runs on the `time_env` of the module asking for
it: a module that needs a time-skipping server of its own overrides `time_env` alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from tests.workflows.harness import Harness


@pytest.fixture
async def harness(
    time_env: WorkflowEnvironment, engine: Engine, task_queue: str
) -> AsyncIterator[Harness]:
    async with Harness(time_env, engine, task_queue) as h:
        yield h
