"""The back office's pure rules: how a searched name is normalised before hashing, and which
cases count as clean for bulk approval (and why not, in the words the console lists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.attachments import ChsiResult
from domain.bulk_review import reasons_not_clean
from domain.enrollment import EnrollmentState, FaceStep, OnSiteCheck, Review
from domain.identity import IdCardFields
from domain.office import normalize_name
from domain.states import AppState
from synthetic.forms import BENKE_MAJOR
from tests.workflows.flow import obj, zhuanke_form

#: noon in Beijing: the card's last day is judged on the Beijing day
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    [
        "买买提·艾力",
        " 买买提 • 艾力 ",
        "买买提.艾力",
        "买买提・艾力",
        "买买提．艾力",
        "买买提\u3000·艾力",
    ],
)
def test_a_minority_name_is_found_however_its_dot_is_typed(typed):
    assert normalize_name(typed) == "买买提·艾力"


def test_full_width_letters_and_blanks_fold_but_characters_stay():
    assert normalize_name("ＬＩ  Ｍｉｎｇ") == "LIMing"
    assert normalize_name("张三") != normalize_name("张山")


def clean_case(**changes) -> EnrollmentState:
    case = EnrollmentState(
        state=AppState.SUBMITTED,
        form=zhuanke_form(),
        face=FaceStep(passed=True),
        submitted_at=datetime.now(UTC),
    )
    return case.model_copy(update=changes)


def test_a_complete_unflagged_zhuanke_case_is_clean_for_whoever_may_claim_it():
    assert reasons_not_clean(clean_case(), "ex1", NOW) == []
    mine = clean_case(state=AppState.UNDER_REVIEW, review=Review(examiner="ex1"))
    assert reasons_not_clean(mine, "ex1", NOW) == []
    assert reasons_not_clean(mine, "ex2", NOW) == ["已被其他审核员（ex1）领取"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"state": AppState.RETURNED}, "当前状态为「已退回，待修改」，不是待审核"),
        ({"needs_manual_review": True}, "标记为需人工审核"),
        (
            {"face": FaceStep(on_site=OnSiteCheck(examiner="e", reason="r", at=datetime.now(UTC)))},
            "标记为需人工审核",
        ),
        (
            {"photo": clean_case().photo.model_copy(update={"original": obj("o.jpg")})},
            "寸照经系统修正",
        ),
    ],
)
def test_a_flag_keeps_a_case_out_of_bulk_approval(changes, reason):
    assert reason in reasons_not_clean(clean_case(**changes), "ex1", NOW)


def test_a_case_with_documents_to_read_is_not_clean_even_when_complete():
    restricted = zhuanke_form(major="520201")  # 护理: a nursing diploma or licence to look at
    case = clean_case(form=restricted)
    reasons = reasons_not_clean(case, "ex1", NOW)
    assert "有需人工查看的证明材料" in reasons
    case.attachments = {"NURSING_SECONDARY_DIPLOMA": [obj("diploma.jpg")]}
    assert reasons_not_clean(case, "ex1", NOW) == ["有需人工查看的证明材料"]  # complete, still read


def test_a_benke_case_is_clean_only_with_its_chsi_record():
    verified = clean_case(form=zhuanke_form(major=BENKE_MAJOR))
    verified.chsi.status = ChsiResult.VERIFIED
    assert reasons_not_clean(verified, "ex1", NOW) == []
    manual = clean_case(form=zhuanke_form(major=BENKE_MAJOR))
    manual.chsi.status = ChsiResult.FAILED
    assert "学信网未校验通过" in reasons_not_clean(manual, "ex1", NOW)


def test_a_case_whose_card_expired_is_not_approved_in_bulk():
    """Approval refuses it (ID_EXPIRED); a bulk run must not claim it first and leave it held."""
    card = IdCardFields(id_number="430104199903120011", valid_until=NOW.date() - timedelta(days=1))
    case = clean_case()
    case.id_card.confirmed = card
    assert reasons_not_clean(case, "ex1", NOW) == ["身份证已过有效期，请退回考生上传有效身份证"]
    case.id_card.confirmed = card.model_copy(update={"valid_until": NOW.date()})
    assert reasons_not_clean(case, "ex1", NOW) == []
