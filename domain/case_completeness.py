"""Whether a case has everything its choices need: one answer for submit, for a change after
submit and for the examiner's approval."""

from __future__ import annotations

from domain.attachments import ChsiResult, check_attachments_complete, check_old_identity
from domain.catalogs import PROVINCES
from domain.enrollment import EnrollmentForm, EnrollmentState
from domain.errors import Refusal, RefusedError, refuse
from domain.identity import IdCardFields, permit_household, province_of_address
from domain.messages import CaseRefusal
from domain.requirements import attachment_plan


def uploaded_codes(case: EnrollmentState) -> set[str]:
    return {code for code, files in case.attachments.items() if files}


def card_of(case: EnrollmentState) -> IdCardFields | None:
    """The card the case stands on: as confirmed, or as read while not confirmed yet."""
    return case.id_card.confirmed or case.id_card.ocr


def card_problems(case: EnrollmentState, form: EnrollmentForm) -> list[Refusal]:
    """The household province is where the card says the candidate is registered: a non-Hunan
    card cannot claim a Hunan household to skip the proofs, nor the other way round."""
    card = card_of(case)
    permit = permit_household(card.id_number) if card and case.household_by_permit else None
    on_card = permit or (province_of_address(card.address) if card else None)
    declared = form.household_province.strip()[:2]
    if on_card is None or on_card == declared or declared not in PROVINCES:
        return []
    message = (
        f"港澳台居民居住证持有人的户籍所在地为{PROVINCES[on_card]}，请按居住证号码选择"
        if permit
        else f"户籍所在省份应与身份证住址一致（身份证住址为{PROVINCES[on_card]}）"
    )
    return [
        Refusal(
            code="FORM_HOUSEHOLD_PROVINCE", message=message, measured=declared, expected=on_card
        )
    ]


def form_invalid(problems: list[Refusal]) -> RefusedError:
    """Every problem of the form in one refusal, so the candidate fixes them in one go."""
    return refuse(
        CaseRefusal.FORM_INVALID,
        "；".join(p.message for p in problems),
        details=[p.model_dump() for p in problems],
    )


def check_old_identity_against_card(
    case: EnrollmentState, form: EnrollmentForm, id_number: str
) -> None:
    """R12: an old identity given on the form differs from the card's name and number."""
    if form.identity_changed:
        card = card_of(case)
        check_old_identity(
            form.old_name,
            form.old_id_number,
            current_name=card.name if card else "",
            current_id_number=id_number,
            number_checked=case.checks_old_id_number,
        )


def form_contradicts_card(case: EnrollmentState) -> RefusedError | None:
    """The saved form judged again against the card on the case now. The form is checked
    against the card when it is saved, but the card can be read again afterwards (a new card
    before submit, a return for the card): a Guangdong card under a Hunan household would skip
    the R10 proofs. The refusal is the form rule's own, naming what to change."""
    form, card = case.form, card_of(case)
    if form is None or card is None:
        return None
    problems = card_problems(case, form)
    if problems:
        return form_invalid(problems)
    try:
        check_old_identity_against_card(case, form, card.id_number)
    except RefusedError as refused:
        return refused
    return None


def missing_for_submit(case: EnrollmentState) -> RefusedError | None:
    """What a case still lacks for its choices: the form (agreeing with the card), the CHSI step,
    the attachments. A case lacking any of them can be neither submitted nor claimed."""
    return form_contradicts_card(case) or missing_for_choices(case)


def missing_for_choices(case: EnrollmentState) -> RefusedError | None:
    """The form and what its choices need: the CHSI step, the attachments. A change after submit
    is judged by this alone (whether it needs more): it never makes the form contradict the
    card (the new form is checked against it first), and runs recorded before the card was
    judged at submit keep the outcome of their changes."""
    if case.form is None:
        return refuse(CaseRefusal.FORM_INCOMPLETE)
    if case.chsi.status == ChsiResult.PENDING:
        return refuse(
            CaseRefusal.ATTACHMENTS_MISSING,
            message="请完成学信网校验或选择「学信网校验失败」后上传材料",
        )
    plan = attachment_plan(case.form, case.chsi.status)
    try:
        check_attachments_complete(plan.required, uploaded_codes(case))
    except RefusedError as refused:
        return refused
    return None
