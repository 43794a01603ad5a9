"""The attachment checklist of one application, from its form and CHSI status (domain/attachments.py
holds the rules). One function feeds the upload screen, the submit check and the examiner."""

from __future__ import annotations

from domain.attachments import (
    AttachmentPlan,
    AttachmentRulesInput,
    ChsiResult,
    required_attachments,
)
from domain.catalogs import MAJORS_BY_CODE
from domain.enrollment import EnrollmentForm


def attachment_plan(form: EnrollmentForm, chsi_status: ChsiResult) -> AttachmentPlan:
    """Raises RefusedError for a form the rules do not accept at all (e.g. non-Hunan, no ground)."""
    major = MAJORS_BY_CODE[form.major]
    return required_attachments(
        AttachmentRulesInput(
            level=major.level,
            major_code=form.major,
            household_province=form.household_province,
            non_hunan_category=form.non_hunan_category,
            chsi_result=chsi_status,
            identity_changed=form.identity_changed,
        )
    )
