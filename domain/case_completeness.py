"""Whether a case has everything its choices need: one answer for submit, for a change after
submit and for the examiner's approval."""

from __future__ import annotations

from domain.attachments import ChsiResult, check_attachments_complete
from domain.enrollment import EnrollmentState
from domain.errors import RefusedError, refuse
from domain.messages import CaseRefusal
from domain.requirements import attachment_plan


def uploaded_codes(case: EnrollmentState) -> set[str]:
    return {code for code, files in case.attachments.items() if files}


def missing_for_submit(case: EnrollmentState) -> RefusedError | None:
    """What a case still lacks for its choices: the form, the CHSI step, the attachments. A case
    lacking any of them can be neither submitted nor claimed."""
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
