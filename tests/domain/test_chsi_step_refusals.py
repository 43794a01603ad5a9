"""Where the QR step is over, the candidate is told which way it went and what to do now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.attachments import ChsiResult
from domain.case_rules import check_chsi_pending
from domain.enrollment import EnrollmentForm, EnrollmentState
from domain.errors import RefusedError
from domain.states import AppState
from synthetic.forms import BENKE_MAJOR, ZHUANKE_MAJOR, form_fields

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("major", "status", "code"),
    [
        (BENKE_MAJOR, ChsiResult.VERIFIED, "CHSI_ALREADY_VERIFIED"),
        (BENKE_MAJOR, ChsiResult.FAILED, "CHSI_CLOSED"),
        (ZHUANKE_MAJOR, ChsiResult.NOT_NEEDED, "CHSI_NOT_NEEDED"),
        # a 专科 case that kept CHSI's answer from a 专升本 choice needs no upload for it
        (ZHUANKE_MAJOR, ChsiResult.FAILED, "CHSI_NOT_NEEDED"),
        (ZHUANKE_MAJOR, ChsiResult.VERIFIED, "CHSI_NOT_NEEDED"),
    ],
)
def test_the_qr_step_refused_says_how_it_ended(major: str, status: ChsiResult, code: str) -> None:
    case = EnrollmentState(state=AppState.DRAFT, form=EnrollmentForm(**form_fields(major=major)))
    case.chsi.status = status
    with pytest.raises(RefusedError) as refused:
        check_chsi_pending(case, NOW, NOW + timedelta(days=1))
    assert refused.value.refusal.code == code
