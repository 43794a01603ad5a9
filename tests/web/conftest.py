"""Debian's Chromium for the browser tests, one per module; one `ruji dev` for the H5's walks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.devstack import DevStack

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--lang=zh-CN",
    # a synthetic camera for the getUserMedia path (it shows no face, so the check refuses it)
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup.sh"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def h5_stack(tmp_path_factory) -> Iterator[DevStack]:
    """`ruji dev` with the real vision workers, started once for the H5's walks (a start is
    ~30–60 s on 2 cores): test_browser_first_pass.py, then test_browser_flow.py, whose last test
    closes the window (so the file names keep that order)."""
    from tests.web.test_browser_flow import START_TIMEOUT

    running = DevStack(tmp_path_factory.mktemp("web-stack"), START_TIMEOUT)
    try:
        running.start()
        yield running
    finally:
        running.stop()
