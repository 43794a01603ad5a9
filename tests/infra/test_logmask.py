"""Logs never carry a full phone or ID number, whatever path the value takes into a record."""

from __future__ import annotations

import io
import json
import logging

import pytest

from infra.logmask import JsonLogFormatter, PiiMaskingFilter, install_log_masking, mask_text

PHONE, ID18, ID15 = "13812345678", "43010219900101123X", "430102900101123"


@pytest.fixture
def captured():
    """A handler like the root's, with the filter installed the way the app installs it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s|%(phone)s"))
    handler.addFilter(PiiMaskingFilter())
    logger = logging.getLogger("test.logmask")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def _assert_clean(text: str) -> None:
    for secret in (PHONE, ID18, ID15, ID18.lower()):
        assert secret not in text


def test_message_args_and_extra_are_masked(captured) -> None:
    logger, stream = captured
    logger.info(
        "login %s for %s (old %s)", PHONE, {"id": ID18}, ID15, extra={"phone": f"+86 {PHONE}"}
    )
    text = stream.getvalue()
    _assert_clean(text)
    assert "138****5678" in text and "4301**********123X" in text and "+86 138****5678" in text


def test_traceback_is_masked(captured) -> None:
    logger, stream = captured
    try:
        raise ValueError(f"duplicate id {ID18}")
    except ValueError:
        logger.exception("refused", extra={"phone": 13812345678})
    _assert_clean(stream.getvalue())
    assert "ValueError" in stream.getvalue()


@pytest.mark.parametrize(
    "harmless",
    ["order 2024010112345678901234", "sha 4f3a13812345678b", "ts 1718000000123456", "port 8000"],
)
def test_numbers_that_are_not_pii_stay(harmless: str) -> None:
    assert mask_text(harmless) == harmless


def test_json_formatter_lifts_workflow_id_from_temporal_extra() -> None:
    record = logging.LogRecord("w", logging.INFO, __file__, 1, "step done for %s", (PHONE,), None)
    record.temporal_workflow = {"workflow_id": "enroll-9f2c", "workflow_type": "Enrollment"}
    PiiMaskingFilter().filter(record)

    entry = json.loads(JsonLogFormatter().format(record))

    assert entry["workflow_id"] == "enroll-9f2c"
    assert entry["message"] == "step done for 138****5678"
    assert entry["level"] == "INFO"


def test_install_covers_root_and_non_propagating_uvicorn_handlers() -> None:
    root, access = logging.getLogger(), logging.getLogger("uvicorn.access")
    streams = {"root": io.StringIO(), "access": io.StringIO()}
    handlers = {name: logging.StreamHandler(stream) for name, stream in streams.items()}
    saved = root.handlers[:], access.handlers[:], access.propagate
    root.handlers, access.handlers = [handlers["root"]], [handlers["access"]]
    access.propagate = False  # as uvicorn configures it
    try:
        install_log_masking(json_format=True)
        install_log_masking(json_format=True)  # idempotent
        logging.getLogger("api.sms").warning("code sent to %s", PHONE)
        access.warning('"GET /lookup?id=%s HTTP/1.1" 200', ID18)
    finally:
        root.handlers, access.handlers, access.propagate = saved

    assert sum(isinstance(f, PiiMaskingFilter) for f in handlers["root"].filters) == 1
    for stream in streams.values():
        _assert_clean(stream.getvalue())
        assert json.loads(stream.getvalue().splitlines()[0])["level"] == "WARNING"


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("name=%E5%BC%A0%E4%B8%89", "%E5%BC%A0"),  # 张三, as the access log writes it
        ("phone=138%201234%205678", "1234"),  # typed with blanks: no 11 digits in a row
        ("phone=138-1234-5678", "1234"),
        ("id_number=430102%2019900101%20123X", "19900101"),
        ("id_number=E12345678", "E12345678"),  # a passport's number
    ],
)
def test_the_office_search_keys_leave_no_value_in_the_access_log(query, kept) -> None:
    line = f'"GET /api/v1/office/cases?period=2026-2&{query}&page=1 HTTP/1.1" 200'
    masked = mask_text(line)
    assert kept not in masked
    assert "period=2026-2&" in masked and "&page=1 HTTP/1.1" in masked


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("/files/enroll-2026-2-abc/photo/x.jpg?exp=1796103945&sig=4c6304fcca6a71f6", "4c6304fc"),
        (
            "https://s3.example/ruji/enroll-x/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAEXAMPLE%2F20261201%2Fus-east-1&X-Amz-Signature=9f8e7d6c",
            "9f8e7d6c",
        ),
        ("https://s3.example/ruji/a.jpg?AWSAccessKeyId=AKIAEXAMPLE&Signature=abc%2Bdef", "abc%2B"),
    ],
)
def test_a_links_credential_leaves_no_value_in_a_log_line(url, secret) -> None:
    masked = mask_text(f'"GET {url} HTTP/1.1" 200')
    assert secret not in masked and "AKIAEXAMPLE" not in masked
    assert url.split("?")[0] in masked  # the route stays for operators
