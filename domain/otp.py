"""SMS one-time-code rules (DESIGN.md "Privacy and access"): the numbers in one place."""

from __future__ import annotations

from datetime import timedelta

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
RESEND_COOLDOWN = timedelta(seconds=60)
DAILY_CAP_PER_PHONE = 10
DAILY_CAP_PER_IP = 50
