"""Which documents a candidate must upload (R9–R12, Attachment 1), and which are still missing.

One pure function decides the list, so the candidate's upload screen, the submit check and the
examiner's checklist can never disagree. A requirement is met by any one of its options (the
candidate chooses which proof to give); an option is met when all of its documents are uploaded.
Uploads are tagged with document codes; requirement codes name the line of the checklist.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from domain.catalogs import HUNAN, PROVINCES, Level
from domain.errors import RefusalCode, refuse
from domain.identity import old_id_number_problem
from domain.messages import CaseRefusal


class AttachmentRefusal(RefusalCode):
    """A choice on the form that the attachment rules do not accept, or a proof that falls short."""

    CHSI_CHECK_REQUIRED = (
        "CHSI_CHECK_REQUIRED",
        "专升本专业须进行学信网校验；校验无反馈时请点击【学信网校验失败】并上传证明材料",
    )
    NON_HUNAN_NOT_ACCEPTED = (
        "NON_HUNAN_NOT_ACCEPTED",
        "我省不接受不符合条件的非本省户籍人员入籍：非本省户籍考生须在我省工作、学习或居住，"
        "并提供相应证明",
    )
    RESTRICTED_MAJOR_WRONG_LEVEL = "RESTRICTED_MAJOR_WRONG_LEVEL", "该专业为限制性专业，层次不符"
    SOCIAL_INSURANCE_TOO_SHORT = (
        "SOCIAL_INSURANCE_TOO_SHORT",
        "非本省户籍在我省工作人员须提供缴费时间3个月以上的我省社保参保证明",
    )
    OLD_IDENTITY_MISSING = "OLD_IDENTITY_MISSING", "请填写变更前的姓名或身份证号"
    OLD_IDENTITY_UNCHANGED = (
        "OLD_IDENTITY_UNCHANGED",
        "填写的原姓名和原身份证号与当前信息相同，请核对或选择「否」",
    )
    OLD_ID_NUMBER_INVALID = "OLD_ID_NUMBER_INVALID", "原证件号码格式不正确，请核对"


class NonHunanCategory(StrEnum):
    """R10: the only grounds on which a candidate from another province is accepted."""

    WORKS = "works"  # 在我省工作
    STUDIES = "studies"  # 在我省学习
    LIVES = "lives"  # 在我省居住


class ChsiResult(StrEnum):
    VERIFIED = "verified"  # 学信网 confirmed the earlier 学籍/学历
    FAILED = "failed"  # no feedback in time, or the candidate pressed 「学信网校验失败」
    PENDING = "pending"  # the QR step is still open: no manual proof is asked for yet
    NOT_NEEDED = "not_needed"  # 专科 majors have no CHSI step


class Rule(StrEnum):
    CHSI_FALLBACK = "R9"
    NON_HUNAN = "R10"
    RESTRICTED_MAJOR = "R11"
    IDENTITY_CHANGED = "R12"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DocumentKind(_Frozen):
    code: str
    name: str  # Chinese, shown on the upload button and the examiner's checklist


class ProofOption(_Frozen):
    documents: tuple[DocumentKind, ...]

    @property
    def name(self) -> str:
        return " + ".join(document.name for document in self.documents)

    def satisfied_by(self, uploaded_codes: Collection[str]) -> bool:
        return all(document.code in uploaded_codes for document in self.documents)


class RequiredAttachment(_Frozen):
    code: str
    title: str  # Chinese
    rule: Rule
    options: tuple[ProofOption, ...]  # any one of them meets the requirement

    @property
    def document_codes(self) -> frozenset[str]:
        return frozenset(d.code for option in self.options for d in option.documents)

    def satisfied_by(self, uploaded_codes: Collection[str]) -> bool:
        return any(option.satisfied_by(uploaded_codes) for option in self.options)


class AttachmentRulesInput(BaseModel):
    level: Level
    major_code: str
    # A GB/T 2260 code: "43" or a 6-digit division code such as "430102" (only the province
    # counts). Codes, not names, because the ID number and the 户口类型 code table carry codes.
    household_province: str
    non_hunan_category: NonHunanCategory | None = None
    chsi_result: ChsiResult
    identity_changed: bool = False
    #: the period's code table marks the major restricted (Attachment 1's majors always are)
    restricted: bool = False

    @field_validator("major_code")
    @classmethod
    def _normalise_major(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("household_province")
    @classmethod
    def _province_code(cls, value: str) -> str:
        value = value.strip()
        if not (value.isdigit() and len(value) in (2, 6) and value[:2] in PROVINCES):
            raise ValueError(f"not a GB/T 2260 province or division code: {value!r}")
        return value[:2]


class AttachmentPlan(BaseModel):
    required: tuple[RequiredAttachment, ...]
    old_identity_required: bool  # R12: old name / ID number must be entered as well

    def missing(self, uploaded_codes: Collection[str]) -> list[RequiredAttachment]:
        return missing_attachments(self.required, uploaded_codes)


# Every document kind once: the upload tag (code) and what the candidate and examiner read.
DOCUMENTS: dict[str, str] = {
    # R9
    "DIPLOMA": "专科及以上毕业证书",
    "XUELI_REGISTRATION_RECORD": "《教育部学历证书电子注册备案表》",
    "XUELI_CERTIFICATION_REPORT": "《中国高等教育学历认证报告》",
    "XUEJI_ONLINE_REPORT": "《教育部学籍在线验证报告》",
    # R10
    "HUNAN_EMPLOYMENT_CERT": "我省用人单位出具的工作证明",
    "HUNAN_SOCIAL_INSURANCE": "我省社保管理部门出具的个人参保证明（缴费3个月以上）",
    "HUNAN_SCHOOL_ENROLMENT_CERT": "我省学校出具的在读证明",
    "HUNAN_RESIDENCE_PERMIT": "有效的《居住证》（我省签发）",
    "HUNAN_OTHER_RESIDENCE_PROOF": "其他在我省居住的相关证明",
    # R11
    "NURSING_SECONDARY_DIPLOMA": "国家承认学历的护理专业中专毕业证书",
    "NURSE_QUALIFICATION_CERT": "护士执业资格证书",
    "IN_SERVICE_CERT": "工作单位出具的在职证明",
    "NURSING_MEDICINE_DIPLOMA": "（社区）护理学、中医护理、临床医学或中医学专业专科及以上毕业证书",
    "PHYSICIAN_QUALIFICATION_CERT": "医师资格证书（临床医学或中医学，含执业助理医师）",
    "MEDICAL_PHARMACY_DIPLOMA": "医药学类专业专科及以上毕业证书",
    "POLICE_OFFICER_CARD": "《人民警察证》",
    "POLICE_SERVICE_CERT": "公安机关出具的在职人民警察证明",
    "POLICE_COLLEGE_ENROLMENT_CERT": "公安类院校公安专业在读证明",
    # R12
    "POLICE_IDENTITY_CHANGE_CERT": "公安机关出具的姓名或身份证号变更证明",
    "HOUSEHOLD_REGISTER_CHANGE_PAGE": "户口簿中记载变更事项的页面",
    # R11 for a major an admin marked restricted that Attachment 1 does not list
    "RESTRICTED_CONDITION_PROOF": "符合该专业报考条件的证明材料",
}


def _requirement(code: str, title: str, rule: Rule, *options: str) -> RequiredAttachment:
    """Each option is document codes joined by "+": all of them together give that proof."""
    return RequiredAttachment(
        code=code,
        title=title,
        rule=rule,
        options=tuple(
            ProofOption(
                documents=tuple(
                    DocumentKind(code=doc, name=DOCUMENTS[doc]) for doc in option.split("+")
                )
            )
            for option in options
        ),
    )


CHSI_MANUAL_PROOF = _requirement(
    "CHSI_MANUAL_PROOF",
    "专科及以上学历或学籍证明（学信网校验失败时上传）",
    Rule.CHSI_FALLBACK,
    "DIPLOMA",
    "XUELI_REGISTRATION_RECORD",
    "XUELI_CERTIFICATION_REPORT",
    "XUEJI_ONLINE_REPORT",
)

NON_HUNAN_REQUIREMENTS: dict[NonHunanCategory, tuple[RequiredAttachment, ...]] = {
    NonHunanCategory.WORKS: (
        _requirement(
            "HUNAN_EMPLOYMENT_CERT", "我省工作证明", Rule.NON_HUNAN, "HUNAN_EMPLOYMENT_CERT"
        ),
        _requirement(
            "HUNAN_SOCIAL_INSURANCE",
            "我省社保管理部门出具的个人参保证明（缴费时间3个月以上）",
            Rule.NON_HUNAN,
            "HUNAN_SOCIAL_INSURANCE",
        ),
    ),
    NonHunanCategory.STUDIES: (
        _requirement(
            "HUNAN_STUDY_PROOF",
            "在我省学习的证明",
            Rule.NON_HUNAN,
            "HUNAN_SCHOOL_ENROLMENT_CERT",
            "XUEJI_ONLINE_REPORT",
        ),
    ),
    NonHunanCategory.LIVES: (
        _requirement(
            "HUNAN_RESIDENCE_PROOF",
            "在我省居住的证明",
            Rule.NON_HUNAN,
            "HUNAN_RESIDENCE_PERMIT",
            "HUNAN_OTHER_RESIDENCE_PROOF",
        ),
    ),
}

# Chinese law reads 「以上」 as inclusive (Civil Code art. 1259): 3 months of contributions qualify.
MIN_SOCIAL_INSURANCE_MONTHS = 3


class RestrictedMajor(_Frozen):
    code: str
    name: str
    level: Level
    requirements: tuple[RequiredAttachment, ...]


_R11 = Rule.RESTRICTED_MAJOR
_POLICE = ("POLICE_OFFICER_CARD", "POLICE_SERVICE_CERT", "POLICE_COLLEGE_ENROLMENT_CERT")
_MEDICAL_DIPLOMA_TITLE = "医药学类专业专科及以上毕业证书"

RESTRICTED_MAJORS: dict[str, RestrictedMajor] = {
    major.code: major
    for major in (
        RestrictedMajor(
            code="520201",
            name="护理",
            level=Level.ZHUANKE,
            requirements=(
                _requirement(
                    "RESTRICTED_520201",
                    "护理专业中专毕业证书，或护士执业资格证书及在职证明",
                    _R11,
                    "NURSING_SECONDARY_DIPLOMA",
                    "NURSE_QUALIFICATION_CERT+IN_SERVICE_CERT",
                ),
            ),
        ),
        RestrictedMajor(
            code="101101",
            name="护理学",
            level=Level.BENKE,
            requirements=(
                _requirement(
                    "RESTRICTED_101101_DIPLOMA",
                    DOCUMENTS["NURSING_MEDICINE_DIPLOMA"],
                    _R11,
                    "NURSING_MEDICINE_DIPLOMA",
                ),
                _requirement(
                    "RESTRICTED_101101_QUALIFICATION",
                    "与所学专业相应的执业资格证书",
                    _R11,
                    "NURSE_QUALIFICATION_CERT",
                    "PHYSICIAN_QUALIFICATION_CERT",
                ),
            ),
        ),
        RestrictedMajor(
            code="100701",
            name="药学",
            level=Level.BENKE,
            requirements=(
                _requirement(
                    "RESTRICTED_100701", _MEDICAL_DIPLOMA_TITLE, _R11, "MEDICAL_PHARMACY_DIPLOMA"
                ),
            ),
        ),
        RestrictedMajor(
            code="100801",
            name="中药学",
            level=Level.BENKE,
            requirements=(
                _requirement(
                    "RESTRICTED_100801", _MEDICAL_DIPLOMA_TITLE, _R11, "MEDICAL_PHARMACY_DIPLOMA"
                ),
            ),
        ),
        RestrictedMajor(
            code="030601K",
            name="治安学",
            level=Level.BENKE,
            requirements=(
                _requirement(
                    "RESTRICTED_030601K", "在职人民警察或公安类院校公安专业学生证明", _R11, *_POLICE
                ),
            ),
        ),
        RestrictedMajor(
            code="030612TK",
            name="公安管理学",
            level=Level.BENKE,
            requirements=(
                _requirement(
                    "RESTRICTED_030612TK", "在职人民警察或公安院校公安专业学生证明", _R11, *_POLICE
                ),
            ),
        ),
    )
}

_LEVEL_NAMES = {Level.ZHUANKE: "专科", Level.BENKE: "专升本"}

#: a major marked restricted in the period's code table but not in Attachment 1: the candidate
#: proves the condition text he was shown, and the examiner judges the proof against it
RESTRICTED_CONDITION_PROOF = _requirement(
    "RESTRICTED_CONDITION_PROOF",
    DOCUMENTS["RESTRICTED_CONDITION_PROOF"],
    Rule.RESTRICTED_MAJOR,
    "RESTRICTED_CONDITION_PROOF",
)

IDENTITY_CHANGE_PROOF = _requirement(
    "IDENTITY_CHANGE_PROOF",
    "姓名或身份证号变更证明",
    Rule.IDENTITY_CHANGED,
    "POLICE_IDENTITY_CHANGE_CERT",
    "HOUSEHOLD_REGISTER_CHANGE_PAGE",
)


def required_attachments(rules_input: AttachmentRulesInput) -> AttachmentPlan:
    """The checklist for one application; refuses applications the rules do not accept at all."""
    required: list[RequiredAttachment] = []
    required += _chsi_fallback(rules_input)
    required += _non_hunan(rules_input)
    required += _restricted_major(rules_input)
    if rules_input.identity_changed:
        required.append(IDENTITY_CHANGE_PROOF)
    return AttachmentPlan(
        required=tuple(required), old_identity_required=rules_input.identity_changed
    )


def _chsi_fallback(rules_input: AttachmentRulesInput) -> list[RequiredAttachment]:
    if rules_input.level is Level.ZHUANKE:
        return []
    if rules_input.chsi_result is ChsiResult.NOT_NEEDED:
        raise refuse(AttachmentRefusal.CHSI_CHECK_REQUIRED)
    return [CHSI_MANUAL_PROOF] if rules_input.chsi_result is ChsiResult.FAILED else []


def _non_hunan(rules_input: AttachmentRulesInput) -> tuple[RequiredAttachment, ...]:
    if rules_input.household_province == HUNAN:
        return ()
    if rules_input.non_hunan_category is None:
        raise refuse(
            AttachmentRefusal.NON_HUNAN_NOT_ACCEPTED,
            measured=rules_input.household_province,
            expected=[category.value for category in NonHunanCategory],
        )
    return NON_HUNAN_REQUIREMENTS[rules_input.non_hunan_category]


def _restricted_major(rules_input: AttachmentRulesInput) -> tuple[RequiredAttachment, ...]:
    major = RESTRICTED_MAJORS.get(rules_input.major_code)
    if major is None:
        return (RESTRICTED_CONDITION_PROOF,) if rules_input.restricted else ()
    if major.level is not rules_input.level:
        raise refuse(
            AttachmentRefusal.RESTRICTED_MAJOR_WRONG_LEVEL,
            message=f"{major.code}{major.name}为限制性专业，仅限{_LEVEL_NAMES[major.level]}层次报考",
            measured=rules_input.level.value,
            expected=major.level.value,
        )
    return major.requirements


class ChecklistItem(_Frozen):
    """One requirement as the clients show it: its proof options and whether it is met."""

    code: str
    title: str
    rule: Rule
    satisfied: bool
    options: tuple[tuple[DocumentKind, ...], ...]


def checklist(plan: AttachmentPlan, uploaded_codes: Collection[str]) -> list[ChecklistItem]:
    missing = {r.code for r in missing_attachments(plan.required, uploaded_codes)}
    return [
        ChecklistItem(
            code=r.code,
            title=r.title,
            rule=r.rule,
            satisfied=r.code not in missing,
            options=tuple(option.documents for option in r.options),
        )
        for r in plan.required
    ]


def missing_attachments(
    required: Sequence[RequiredAttachment], uploaded_codes: Collection[str]
) -> list[RequiredAttachment]:
    uploaded = frozenset(uploaded_codes)
    return [requirement for requirement in required if not requirement.satisfied_by(uploaded)]


def check_attachments_complete(
    required: Sequence[RequiredAttachment], uploaded_codes: Collection[str]
) -> None:
    """The submit check: refuses with every missing item listed, so one round trip fixes all."""
    missing = missing_attachments(required, uploaded_codes)
    if missing:
        titles = "；".join(requirement.title for requirement in missing)
        raise refuse(
            CaseRefusal.ATTACHMENTS_MISSING,
            message=f"以下附件尚未上传：{titles}",
            measured=[requirement.code for requirement in missing],
        )


def check_old_identity(
    old_name: str,
    old_id_number: str,
    *,
    current_name: str,
    current_id_number: str,
    number_checked: bool = True,
) -> None:
    """R12: at least one old value must be given, a number given must be a well-formed one
    (`number_checked`: False for cases started under rules before 3, which took any), and what
    is given must differ from today's."""
    old_name, old_id_number = old_name.strip(), old_id_number.strip().upper()
    if not old_name and not old_id_number:
        raise refuse(AttachmentRefusal.OLD_IDENTITY_MISSING)
    problem = old_id_number_problem(old_id_number) if number_checked else None
    if problem:
        raise refuse(AttachmentRefusal.OLD_ID_NUMBER_INVALID, message=problem)
    if (old_name or current_name) == current_name and (
        old_id_number or current_id_number.upper()
    ) == current_id_number.upper():
        raise refuse(AttachmentRefusal.OLD_IDENTITY_UNCHANGED)
