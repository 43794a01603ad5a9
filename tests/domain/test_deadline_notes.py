"""The submit dialog's warning and a returned case's deadline, worded from the period's dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.deadline_notes import returned_sms, submit_note
from domain.messages import DECISION_SMS

CLOSES = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
REVIEW = CLOSES + timedelta(days=10)


def test_before_the_window_closes_changes_are_open_and_the_number_comes_at_the_deadline():
    note = submit_note(CLOSES - timedelta(hours=1), CLOSES, REVIEW)
    assert "审核开始前可在「我的考籍信息」中修改" in note and "入籍已截止" not in note
    assert "准考证号在审核截止时间（2026年12月20日 18:00）后生成" in note


def test_after_the_window_and_after_the_review_deadline_the_note_says_what_changed():
    between = submit_note(CLOSES + timedelta(hours=1), CLOSES, REVIEW)
    assert "入籍已截止" in between and "补充材料" in between
    assert "审核截止时间（" in between
    after = submit_note(REVIEW + timedelta(hours=1), CLOSES, REVIEW)
    assert "审核截止时间后生成" not in after and "另行生成" in after


def test_the_return_sms_names_its_date_in_beijing_time_and_older_returns_keep_their_text():
    assert "2026年12月20日 18:00（北京时间）" in returned_sms(REVIEW)
    assert returned_sms(None) == DECISION_SMS["returned"]
