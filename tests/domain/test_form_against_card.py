"""The saved form judged against the card on the case now, wherever completeness is judged:
submit, claim, approval and the bulk approval's clean list (a card read again after the form was
saved may contradict it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.attachments import NonHunanCategory
from domain.bulk_review import reasons_not_clean
from domain.case_completeness import missing_for_submit
from domain.case_rules import check_approvable, check_claim
from domain.enrollment import EnrollmentState, ExaminerAction, FaceStep, Review
from domain.errors import RefusedError
from domain.identity import IdCardFields
from domain.states import AppState
from tests.workflows.flow import zhuanke_form

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
NUMBER = "430104199903120011"
HOUSEHOLD_REFUSAL = "户籍所在省份应与身份证住址一致（身份证住址为广东省）"


def card(**changes: str) -> IdCardFields:
    hunan = {"name": "张三", "address": "湖南省长沙市岳麓区某路1号", "id_number": NUMBER}
    return IdCardFields(**(hunan | changes))


def submitted_case(on_card: IdCardFields, **form_changes: object) -> EnrollmentState:
    """Submitted, complete for its choices (a 专科 major, Hunan household: nothing to upload)."""
    case = EnrollmentState(
        state=AppState.SUBMITTED,
        form=zhuanke_form().model_copy(update=form_changes),
        face=FaceStep(passed=True),
        submitted_at=NOW,
    )
    case.id_card.confirmed = on_card
    return case


GUANGDONG_CARD = {"address": "广东省广州市天河区某路2号"}
OLD_NAME_LISI = {"identity_changed": True, "old_name": "李四"}


def test_a_form_agreeing_with_its_card_is_complete_and_clean():
    case = submitted_case(card())
    assert missing_for_submit(case) is None
    assert reasons_not_clean(case, "ex1", NOW) == []


def test_a_hunan_household_under_a_guangdong_card_is_incomplete_with_the_form_rule():
    case = submitted_case(card(**GUANGDONG_CARD))
    missing = missing_for_submit(case)
    assert missing is not None and missing.refusal.code == "FORM_INVALID"
    assert HOUSEHOLD_REFUSAL in missing.refusal.message
    assert [p["code"] for p in missing.refusal.details] == ["FORM_HOUSEHOLD_PROVINCE"]
    assert any(HOUSEHOLD_REFUSAL in reason for reason in reasons_not_clean(case, "ex1", NOW))
    with pytest.raises(RefusedError) as refused:
        check_claim(case, "ex1")
    assert refused.value.refusal.code == "CHECKLIST_INCOMPLETE"


@pytest.mark.parametrize(
    ("on_card", "form_changes", "code"),
    [
        (GUANGDONG_CARD, {}, "FORM_INVALID"),
        (
            {"name": "李四"},
            {"identity_changed": True, "old_name": "李四"},
            "OLD_IDENTITY_UNCHANGED",
        ),
    ],
)
@pytest.mark.parametrize("override_reason", ["", "现场已核验"])
def test_a_claimed_case_whose_form_contradicts_its_card_is_never_approved(
    on_card, form_changes, code, override_reason
):
    case = submitted_case(card(**on_card), **form_changes)
    case.state, case.review = AppState.UNDER_REVIEW, Review(examiner="ex1")
    act = ExaminerAction(examiner="ex1", override_reason=override_reason)
    with pytest.raises(RefusedError) as refused:
        check_approvable(case, act, NOW)
    assert refused.value.refusal.code == code


def test_an_old_name_the_card_does_not_bear_asks_only_for_its_proof():
    case = submitted_case(card(), **OLD_NAME_LISI)
    missing = missing_for_submit(case)
    assert missing is not None and missing.refusal.code == "ATTACHMENTS_MISSING"


#: a Hong Kong resident's permit (港澳台居民居住证): the address is where he lives in Hunan
HK_PERMIT = {"address": "湖南省长沙市岳麓区某路1号", "id_number": "810000199903120016"}


def permit_case(household: str, *, by_permit: bool = True, **form: object) -> EnrollmentState:
    case = submitted_case(card(**HK_PERMIT), household_province=household, **form)
    case.household_by_permit = by_permit
    return case


def test_an_hmt_permit_holder_cannot_claim_a_hunan_household_from_the_address_on_it():
    """The permit's address is his mainland residence, not his household: declaring Hunan from
    it would skip R10's proofs and list the case as clean for bulk approval."""
    case = permit_case("43")
    missing = missing_for_submit(case)
    assert missing is not None and missing.refusal.code == "FORM_INVALID"
    assert [p["expected"] for p in missing.refusal.details] == ["81"]
    assert "港澳台居民居住证持有人的户籍所在地为香港特别行政区" in missing.refusal.message
    assert reasons_not_clean(case, "ex1", NOW) != []


def test_an_hmt_permit_holder_declaring_his_household_is_asked_for_r10s_proofs():
    case = permit_case("81", non_hunan_category=NonHunanCategory.LIVES)
    missing = missing_for_submit(case)
    assert missing is not None and missing.refusal.code == "ATTACHMENTS_MISSING", missing
    assert "FORM_HOUSEHOLD_PROVINCE" not in str(missing.refusal.details)


def test_a_run_started_before_keeps_judging_the_permit_by_its_address():
    assert missing_for_submit(permit_case("43", by_permit=False)) is None
