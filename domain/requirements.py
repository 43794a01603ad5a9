"""The attachment checklist of one application, from its form and CHSI status (domain/attachments.py
holds the rules). One function feeds the upload screen, the submit check and the examiner."""

from __future__ import annotations

from collections.abc import Collection

from domain.attachments import (
    AttachmentPlan,
    AttachmentRulesInput,
    ChsiResult,
    NonHunanCategory,
    missing_attachments,
    required_attachments,
)
from domain.attachments import Level as RulesLevel
from domain.catalogs import MAJORS_BY_CODE
from domain.enrollment import EnrollmentForm


def attachment_plan(form: EnrollmentForm, chsi_status: str) -> AttachmentPlan:
    """Raises RefusedError for a form the rules do not accept at all (e.g. non-Hunan, no ground)."""
    major = MAJORS_BY_CODE[form.major]
    return required_attachments(
        AttachmentRulesInput(
            level=RulesLevel(major.level.value),
            major_code=form.major,
            household_province=form.household_province,
            non_hunan_category=NonHunanCategory(form.non_hunan_category)
            if form.non_hunan_category
            else None,
            chsi_result=ChsiResult(chsi_status),
            identity_changed=form.identity_changed,
        )
    )


def checklist(plan: AttachmentPlan, uploaded_codes: Collection[str]) -> list[dict]:
    """The plan as the clients show it: each requirement, its proof options, whether it is met."""
    missing = {r.code for r in missing_attachments(plan.required, uploaded_codes)}
    return [
        {
            "code": r.code,
            "title": r.title,
            "rule": r.rule.value,
            "satisfied": r.code not in missing,
            "options": [
                [{"code": d.code, "name": d.name} for d in option.documents] for option in r.options
            ],
        }
        for r in plan.required
    ]
