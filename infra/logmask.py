"""One place where phone and ID numbers leave log records: a filter on the root handlers.

A handler filter, not a logger filter, because logger filters do not see records propagated
from child loggers. The filter renders the message (so arguments of any type are covered),
masks it, and clears ``args``; it pre-renders the traceback into ``exc_text`` so standard
formatters print the masked one.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from domain.masking import mask_id_number, mask_phone

_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID18 = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
_ID15 = re.compile(_EDGE_BEFORE + r"\d{15}" + _EDGE_AFTER)
_PHONE = re.compile(_EDGE_BEFORE + r"(\+?86[- ]?)?(1[3-9]\d{9})" + _EDGE_AFTER)
#: the office search's keys in a logged URL (the access log): a name is percent-encoded and a
#: phone or ID number typed with blanks has no run of digits to recognise, so the value goes
_SEARCH_KEY = re.compile(r"([?&](?:id_number|phone|name)=)[^&\s\"]*")
#: a link's credential in a logged URL: whoever reads it could open the link. `sig` of the API's
#: own /files links (5 minutes to a candidate's ID photo), an S3 presigned URL's signature and
#: key, a token sent as a query. The path and `exp` stay: operators still see what was asked.
_LINK_SECRET = re.compile(
    r"([?&](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
    r"|awsaccesskeyid|token|access_token|refresh_token)=)[^&\s\"]*",
    re.IGNORECASE,
)

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
DEFAULT_EXTRA_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")  # propagate=False


def mask_text(text: str) -> str:
    text = _SEARCH_KEY.sub(r"\1***", text)
    text = _LINK_SECRET.sub(r"\1***", text)
    text = _ID18.sub(lambda m: mask_id_number(m.group()), text)
    text = _ID15.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: (m.group(1) or "") + mask_phone(m.group(2)), text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    if isinstance(value, tuple | set | frozenset):
        return tuple(_mask_value(v) for v in value)
    rendered = str(value)
    masked = mask_text(rendered)
    return value if masked == rendered else masked


class PiiMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            # Keep the args a tuple: formatters such as uvicorn's access log unpack them.
            record.msg = mask_text(str(record.msg))
            record.args = tuple(_mask_value(a) for a in record.args)
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # bad %-args: keep the raw parts, still masked
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = mask_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS:
                setattr(record, key, _mask_value(value))
        return True


def _temporal_context(record: logging.LogRecord) -> dict[str, Any]:
    """workflow_id from an explicit extra, or from the dicts temporalio's loggers attach."""
    found: dict[str, Any] = {}
    for source in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, source, None)
        if isinstance(details, dict):
            for key in ("workflow_id", "workflow_type", "activity_type"):
                if key in details:
                    found.setdefault(key, details[key])
    explicit = getattr(record, "workflow_id", None)
    if explicit:
        found["workflow_id"] = explicit
    return found


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line; extras flattened, ``workflow_id`` lifted when known."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_temporal_context(record),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("temporal_"):
                entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_log_masking(
    *, json_format: bool = False, extra_loggers: tuple[str, ...] = DEFAULT_EXTRA_LOGGERS
) -> PiiMaskingFilter:
    """Attach the masking filter to every handler of the root logger and of ``extra_loggers``
    (uvicorn's do not propagate). Call after logging is configured; handlers added later are not
    covered. Adds a stderr handler if the root has none. Idempotent."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    masking = PiiMaskingFilter()
    for logger in (root, *(logging.getLogger(name) for name in extra_loggers)):
        for handler in logger.handlers:
            if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
                handler.addFilter(masking)
            if json_format:
                handler.setFormatter(JsonLogFormatter())
    return masking
