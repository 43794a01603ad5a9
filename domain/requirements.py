"""The attachment checklist of one application, from its form and CHSI status (domain/attachments.py
holds the rules). One function feeds the upload screen, the submit check and the examiner."""

from __future__ import annotations

from domain.attachments import (
    AttachmentPlan,
    AttachmentRulesInput,
    ChsiResult,
    required_attachments,
)
from domain.enrollment import EnrollmentForm
from domain.majors import major_of


def attachment_plan(form: EnrollmentForm, chsi_status: ChsiResult) -> AttachmentPlan:
    """Raises RefusedError for a form the rules do not accept at all (e.g. non-Hunan, no ground)."""
    major = major_of(form.major, form.major_choice)
    if major is None:
        raise KeyError(form.major)  # the form check refuses an unknown major before this
    return required_attachments(
        AttachmentRulesInput(
            level=major.level,
            major_code=form.major,
            restricted=major.restricted,
            household_province=form.household_province,
            non_hunan_category=form.non_hunan_category,
            chsi_result=chsi_status,
            identity_changed=form.identity_changed,
        )
    )
