"""The H5 while vision is busy: a stack whose every upload is answered 202 with its place in line
(`RUJI_UPLOAD_WAIT_S=0`), the real OCR behind it. The candidate sees 「排队中，预计 N 秒」 on the
busy button, the H5 polls, and the read ID card comes up to check as it does without a queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from synthetic.idcard import make_card_pair
from tests.devstack import DevStack
from tests.web.test_browser_flow import (
    FACE,
    H5,
    START_TIMEOUT,
    VISION_WAIT_MS,
    jpeg,
    new_page,
    register_with_wrong_code_first,
    snap,
)

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def queued_stack(tmp_path_factory) -> Iterator[DevStack]:
    running = DevStack(
        tmp_path_factory.mktemp("queue-stack"), START_TIMEOUT, env={"RUJI_UPLOAD_WAIT_S": "0"}
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_the_h5_shows_the_queue_and_carries_on(queued_stack: DevStack, browser: Browser) -> None:
    pair = make_card_pair(31, face_path=FACE, today=date.today())
    page = new_page(browser, H5, queued_stack.url)
    register_with_wrong_code_first(page, pair.identity.id_number, queued_stack.url)
    page.set_input_files("input[name=front]", jpeg("front.jpg", pair.front_jpeg))
    page.set_input_files("input[name=back]", jpeg("back.jpg", pair.back_jpeg))
    page.click("#upload-id")
    expect(page.locator("#upload-id")).to_contain_text("排队中，预计", timeout=VISION_WAIT_MS)
    snap(page, "q1-h5-id-card-queued")
    name = page.locator("#confirm-id [name=name]")
    expect(name).to_have_value(pair.identity.name, timeout=VISION_WAIT_MS)
    expect(page.locator("#confirm-id [name=id_number]")).to_have_value(pair.identity.id_number)
    assert page.js_errors == []  # type: ignore[attr-defined]
