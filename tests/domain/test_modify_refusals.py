"""「保存」 (PUT /me/form) on a case that no longer takes changes says why, like every other step:
outside the window R1's sentence, otherwise where the case stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.case_rules import check_modify
from domain.enrollment import EnrollmentForm, EnrollmentState
from domain.errors import RefusedError
from domain.messages import CaseRefusal
from domain.states import AppState
from synthetic.forms import form_fields

NOW = datetime(2026, 12, 1, tzinfo=UTC)
NUMBER = "430102200003070229"
FORM = EnrollmentForm(**form_fields())


def refusal(case: EnrollmentState, closes_at: datetime) -> tuple[str, str]:
    with pytest.raises(RefusedError) as refused:
        check_modify(case, FORM, NUMBER, now=NOW, closes_at=closes_at)
    return refused.value.refusal.code, refused.value.refusal.message


def test_a_case_the_closed_window_ended_answers_r1_on_save() -> None:
    """The H5's 「保存」 on a draft the window's close expired read 「当前状态不能修改」, while the
    same case's submit, uploads and every other step answered R1's 「非新生入籍时间…」."""
    case = EnrollmentState(state=AppState.EXPIRED, form=FORM)
    code, message = refusal(case, closes_at=NOW - timedelta(minutes=1))
    assert (code, message) == (CaseRefusal.WINDOW_CLOSED.value, CaseRefusal.WINDOW_CLOSED.message)


@pytest.mark.parametrize(
    ("state", "label"),
    [(AppState.EXPIRED, "已失效"), (AppState.WITHDRAWN, "已撤回")],
)
def test_an_ended_case_in_an_open_window_names_where_it_stands(state: AppState, label: str):
    code, message = refusal(EnrollmentState(state=state, form=FORM), NOW + timedelta(days=1))
    assert code == CaseRefusal.WRONG_STATE.value
    assert f"申请当前为「{label}」" in message


def test_a_submitted_case_is_still_modified_after_the_close() -> None:
    """R14: until review starts, whatever the window (late_modify judges what may change)."""
    case = EnrollmentState(state=AppState.SUBMITTED, form=FORM)
    check_modify(case, FORM, NUMBER, now=NOW, closes_at=NOW - timedelta(days=1))
