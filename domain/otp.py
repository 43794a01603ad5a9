"""SMS one-time-code rules (DESIGN.md "Privacy and access"): the numbers in one place."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
RESEND_COOLDOWN = timedelta(seconds=60)
DAILY_CAP_PER_PHONE = 10
DAILY_CAP_PER_IP = 50
_CODE_IN_MESSAGE = re.compile(r"验证码是(\d{6})")


def code_message(code: str) -> str:
    """The SMS a candidate receives."""
    return f"【湖南自考】您的验证码是{code}，10分钟内有效。请勿告诉他人。"


def code_in_message(text: str) -> str | None:
    """The code inside `code_message(...)`, for the dev outbox, the demo and the tests."""
    found = _CODE_IN_MESSAGE.search(text)
    return found.group(1) if found else None


# --- contracts of the SMS-code activities --------------------------------------------------
SEND_SMS_CODE = "send_sms_code"
CHECK_SMS_CODE = "check_sms_code"


class SendCodeRequest(BaseModel):
    phone: str
    client_ip: str = ""


class SendCodeResult(BaseModel):
    resend_after_s: int


class CheckCodeRequest(BaseModel):
    phone: str
    code: str
