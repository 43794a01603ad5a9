"""The attachment checklist over every rule combination of R9–R12 and Attachment 1."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from domain.attachments import (
    AttachmentRulesInput,
    ChsiResult,
    Level,
    NonHunanCategory,
    check_attachments_complete,
    check_old_identity,
    missing_attachments,
    required_attachments,
)
from domain.enrollment import EnrollmentForm, form_problems
from domain.errors import RefusedError
from synthetic.forms import form_fields

RESTRICTED = {
    # major: (level, requirement codes, one sufficient set of uploaded document codes)
    "520201": (Level.ZHUANKE, {"RESTRICTED_520201"}, {"NURSING_SECONDARY_DIPLOMA"}),
    "101101": (
        Level.BENKE,
        {"RESTRICTED_101101_DIPLOMA", "RESTRICTED_101101_QUALIFICATION"},
        {"NURSING_MEDICINE_DIPLOMA", "PHYSICIAN_QUALIFICATION_CERT"},
    ),
    "100701": (Level.BENKE, {"RESTRICTED_100701"}, {"MEDICAL_PHARMACY_DIPLOMA"}),
    "100801": (Level.BENKE, {"RESTRICTED_100801"}, {"MEDICAL_PHARMACY_DIPLOMA"}),
    "030601K": (Level.BENKE, {"RESTRICTED_030601K"}, {"POLICE_OFFICER_CARD"}),
    "030612TK": (Level.BENKE, {"RESTRICTED_030612TK"}, {"POLICE_COLLEGE_ENROLMENT_CERT"}),
}
UNRESTRICTED = {Level.ZHUANKE: "690206", Level.BENKE: "120202"}  # 行政管理 / 会计学 (examples)

NON_HUNAN = {
    # category: (requirement codes, one sufficient set of uploaded document codes)
    NonHunanCategory.WORKS: (
        {"HUNAN_EMPLOYMENT_CERT", "HUNAN_SOCIAL_INSURANCE"},
        {"HUNAN_EMPLOYMENT_CERT", "HUNAN_SOCIAL_INSURANCE"},
    ),
    NonHunanCategory.STUDIES: ({"HUNAN_STUDY_PROOF"}, {"XUEJI_ONLINE_REPORT"}),
    NonHunanCategory.LIVES: ({"HUNAN_RESIDENCE_PROOF"}, {"HUNAN_RESIDENCE_PERMIT"}),
}


def _input(level, major, province="43", category=None, chsi=None, changed=False):
    if chsi is None:
        chsi = ChsiResult.NOT_NEEDED if level is Level.ZHUANKE else ChsiResult.VERIFIED
    return AttachmentRulesInput(
        level=level,
        major_code=major,
        household_province=province,
        non_hunan_category=category,
        chsi_result=chsi,
        identity_changed=changed,
    )


def _cases():
    majors = [(m, lvl) for m, (lvl, _, _) in RESTRICTED.items()] + [
        (m, lvl) for lvl, m in UNRESTRICTED.items()
    ]
    households = [("43", None), *(("44", c) for c in NonHunanCategory)]
    for (major, level), (province, category), changed in itertools.product(
        majors, households, (False, True)
    ):
        chsi_results = (
            [ChsiResult.NOT_NEEDED]
            if level is Level.ZHUANKE
            else [ChsiResult.VERIFIED, ChsiResult.FAILED, ChsiResult.PENDING]
        )
        for chsi in chsi_results:
            yield pytest.param(
                level,
                major,
                province,
                category,
                chsi,
                changed,
                id=f"{major}-{province}-{category}-{chsi}-changed={changed}",
            )


@pytest.mark.parametrize(
    ("level", "major", "province", "category", "chsi", "changed"), list(_cases())
)
def test_checklist_is_the_union_of_the_rules_that_apply(
    level, major, province, category, chsi, changed
):
    plan = required_attachments(_input(level, major, province, category, chsi, changed))
    codes = [r.code for r in plan.required]

    expected: set[str] = set()
    enough: set[str] = set()
    if chsi is ChsiResult.FAILED:
        expected.add("CHSI_MANUAL_PROOF")
        enough.add("XUELI_REGISTRATION_RECORD")
    if category is not None:
        expected |= NON_HUNAN[category][0]
        enough |= NON_HUNAN[category][1]
    if major in RESTRICTED:
        expected |= RESTRICTED[major][1]
        enough |= RESTRICTED[major][2]
    if changed:
        expected.add("IDENTITY_CHANGE_PROOF")
        enough.add("POLICE_IDENTITY_CHANGE_CERT")

    assert set(codes) == expected
    assert len(codes) == len(set(codes))
    assert plan.old_identity_required is changed
    assert plan.missing(enough) == []
    assert {r.code for r in missing_attachments(plan.required, set())} == expected
    for requirement in plan.required:
        assert requirement.title and all(o.name for o in requirement.options)


@pytest.mark.parametrize("major", list(RESTRICTED))
def test_restricted_major_at_the_wrong_level_is_refused(major):
    level = RESTRICTED[major][0]
    wrong = Level.BENKE if level is Level.ZHUANKE else Level.ZHUANKE
    with pytest.raises(RefusedError) as caught:
        required_attachments(_input(wrong, major))
    assert caught.value.refusal.code == "RESTRICTED_MAJOR_WRONG_LEVEL"
    assert major in caught.value.refusal.message
    assert caught.value.refusal.expected == level.value


@pytest.mark.parametrize("province", ["11", "44", "440305", "81"])
def test_non_hunan_candidate_without_a_category_is_refused(province):
    with pytest.raises(RefusedError) as caught:
        required_attachments(_input(Level.ZHUANKE, "690206", province=province))
    assert caught.value.refusal.code == "NON_HUNAN_NOT_ACCEPTED"
    assert "非本省户籍" in caught.value.refusal.message


def test_hunan_division_code_counts_as_hunan_and_a_category_is_ignored():
    plan = required_attachments(
        _input(Level.ZHUANKE, "690206", province="430102", category=NonHunanCategory.WORKS)
    )
    assert plan.required == ()


@pytest.mark.parametrize("province", ["", "4", "99", "湖南", "4301", "990000"])
def test_household_province_must_be_a_gb_t_2260_code(province):
    with pytest.raises(ValidationError):
        _input(Level.ZHUANKE, "690206", province=province)


def test_lowercase_major_code_is_normalised():
    plan = required_attachments(_input(Level.BENKE, "030601k"))
    assert [r.code for r in plan.required] == ["RESTRICTED_030601K"]


def test_bachelor_level_without_a_chsi_step_is_refused():
    with pytest.raises(RefusedError) as caught:
        required_attachments(_input(Level.BENKE, "120202", chsi=ChsiResult.NOT_NEEDED))
    assert caught.value.refusal.code == "CHSI_CHECK_REQUIRED"


def test_nurse_qualification_alone_does_not_meet_the_520201_in_service_option():
    (requirement,) = required_attachments(_input(Level.ZHUANKE, "520201")).required
    assert not requirement.satisfied_by({"NURSE_QUALIFICATION_CERT"})
    assert requirement.satisfied_by({"NURSE_QUALIFICATION_CERT", "IN_SERVICE_CERT"})


def test_submit_check_lists_every_missing_item():
    plan = required_attachments(
        _input(Level.BENKE, "101101", "36", NonHunanCategory.WORKS, ChsiResult.FAILED, changed=True)
    )
    uploaded = {"HUNAN_EMPLOYMENT_CERT", "NURSE_QUALIFICATION_CERT"}
    with pytest.raises(RefusedError) as caught:
        check_attachments_complete(plan.required, uploaded)
    refusal = caught.value.refusal
    assert refusal.code == "ATTACHMENTS_MISSING"
    assert refusal.measured == [
        "CHSI_MANUAL_PROOF",
        "HUNAN_SOCIAL_INSURANCE",
        "RESTRICTED_101101_DIPLOMA",
        "IDENTITY_CHANGE_PROOF",
    ]
    assert "个人参保证明" in refusal.message and "变更证明" in refusal.message

    everything = uploaded | {
        "DIPLOMA",
        "HUNAN_SOCIAL_INSURANCE",
        "NURSING_MEDICINE_DIPLOMA",
        "HOUSEHOLD_REGISTER_CHANGE_PAGE",
    }
    check_attachments_complete(plan.required, everything)


def test_plan_survives_a_json_round_trip():
    plan = required_attachments(_input(Level.ZHUANKE, "520201", "44", NonHunanCategory.LIVES))
    again = type(plan).model_validate_json(plan.model_dump_json())
    assert again == plan


@pytest.mark.parametrize(
    ("months", "problem"),
    [(None, "请填写"), (2, "3个月以上"), (3, None), (12, None)],
)
def test_non_hunan_workers_enter_three_months_of_social_insurance(months, problem):
    form = EnrollmentForm(
        **form_fields(household_province="44", non_hunan_category="works"),
        social_insurance_months=months,
    )
    found = [p for p in form_problems(form) if p.code == "FORM_SOCIAL_INSURANCE_MONTHS"]
    assert [p.message for p in found if problem and problem in p.message] == (
        [found[0].message] if problem else []
    )
    assert bool(found) == bool(problem)


@pytest.mark.parametrize(
    ("old_name", "old_number", "code"),
    [
        ("", "", "OLD_IDENTITY_MISSING"),
        ("张三", "", "OLD_IDENTITY_UNCHANGED"),
        ("", "43010219900307008x", "OLD_IDENTITY_UNCHANGED"),
        ("张小三", "", None),
        ("", "430102199003070020", None),
    ],
)
def test_old_identity_must_be_given_and_differ(old_name, old_number, code):
    def check():
        check_old_identity(
            old_name, old_number, current_name="张三", current_id_number="43010219900307008X"
        )

    if code is None:
        check()
    else:
        with pytest.raises(RefusedError) as caught:
            check()
        assert caught.value.refusal.code == code
