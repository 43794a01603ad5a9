"""One process stack for the fault tests (server, workers, CHSI simulator as OS processes):
starting it costs seconds of imports on 2 cores, so the tests share it, each in its own
enrollment period with its own identities and phones. A test that breaks a process leaves it
running again when it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.faults.stack import FaultStack


@pytest.fixture(scope="package")
async def stack(tmp_path_factory) -> AsyncIterator[FaultStack]:
    async with FaultStack(tmp_path_factory.mktemp("faults"), chsi=True) as running:
        yield running
