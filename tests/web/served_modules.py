"""The H5's and console's ES modules evaluated by Chromium as the app serves them, on a blank
page of a made-up origin: for a module's logic over views the server sends, without a stack."""

from __future__ import annotations

import mimetypes
from typing import Any

from playwright.sync_api import Browser, Route

from tests.devstack import ROOT

ORIGIN = "http://h5.test"


def _serve_web(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(body="<!doctype html><body></body>", content_type="text/html")
        return
    file = ROOT / "web" / path.lstrip("/")
    type_, _ = mimetypes.guess_type(file.name)
    route.fulfill(body=file.read_bytes(), content_type=type_ or "application/octet-stream")


def evaluated(browser: Browser, script: str, arg: Any) -> Any:
    """`script` (an async arrow function of `arg`, importing modules as "/h5/….js") run on a
    fresh page; its result."""
    page = browser.new_page()
    try:
        page.route(f"{ORIGIN}/**", _serve_web)
        page.goto(f"{ORIGIN}/")
        return page.evaluate(script, arg)
    finally:
        page.close()
