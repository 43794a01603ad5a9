"""What operators see in the Web UI: filterable search attributes and readable details, with no
ID number, name or phone in any workflow ID or search attribute."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from temporalio.api.sdk.v1 import WorkflowMetadata

from domain import search
from tests.workflows.flow import to_submitted
from tests.workflows.harness import Harness, valid_id_number


async def test_search_attributes_filter_cases_and_carry_no_pii(dev_env, engine, task_queue):
    async with Harness(dev_env, engine, task_queue) as h:
        phone, number, name = (
            "13600001234",
            valid_id_number(77),
            "张三",
        )  # the stand-in OCR reads 张三
        inp = h.enrollment_input("2026-op", number, phone, datetime.now(UTC) + timedelta(days=10))
        handle = await h.start_application(inp)
        await to_submitted(h, handle, phone)

        desc = await handle.describe()
        attrs = desc.typed_search_attributes
        assert attrs.get(search.STATUS) == "SUBMITTED"
        assert attrs.get(search.REGION) == "01" and attrs.get(search.LEVEL) == "zhuanke"
        assert attrs.get(search.PERIOD) == "2026-op" and attrs.get(search.SUBMITTED_AT) is not None

        exposed = [inp.application_id, *(str(pair.value) for pair in attrs)]
        for secret in (number, number[-8:], phone, phone[-8:], name):
            assert not any(secret in text for text in exposed), secret

        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        assert "已提交，待审核" in meta.current_details and "01" in meta.current_details
        assert not any(secret in meta.current_details for secret in (number, phone, name))

        query = 'RujiPeriod = "2026-op" AND RujiStatus = "SUBMITTED" AND RujiRegion = "01"'
        found: list[str] = []
        for _ in range(50):  # visibility is eventually consistent on the dev server
            found = [wf.id async for wf in dev_env.client.list_workflows(query)]
            if found:
                break
            await asyncio.sleep(0.1)
        assert found == [inp.application_id]
