"""Which cases may be approved in bulk: those where an examiner would find nothing to look at.

A complete checklist is not enough. A document the candidate uploaded (a restricted major's
proof, a non-Hunan household's work or residence proof, a diploma instead of the CHSI record) is
complete once uploaded, but only a person can read it; so is a face checked on site, a photo the
system fixed, or an ID card whose typed values differ from what was read."""

from __future__ import annotations

from datetime import datetime

from domain.attachments import ChsiResult
from domain.case_completeness import missing_for_submit
from domain.case_rules import check_card_still_valid
from domain.enrollment import EnrollmentState
from domain.errors import RefusedError
from domain.requirements import attachment_plan
from domain.states import STATE_LABELS, AppState


def reasons_not_clean(case: EnrollmentState, examiner: str, now: datetime) -> list[str]:
    """Why this case needs an examiner's own look (Chinese, for the list of failures); empty when
    it is clean: submitted or claimed by `examiner`, checklist complete, CHSI verified (or not
    needed), no flag, no document to read, the ID card still valid (approval refuses an expired
    one: a bulk run must not claim it first and leave it held)."""
    reasons = []
    try:
        check_card_still_valid(case, now)
    except RefusedError:
        reasons.append("身份证已过有效期，请退回考生上传有效身份证")
    if case.state == AppState.UNDER_REVIEW and case.review.examiner != examiner:
        reasons.append(f"已被其他审核员（{case.review.examiner}）领取")
    elif case.state not in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
        reasons.append(f"当前状态为「{STATE_LABELS[case.state]}」，不是待审核")
    missing = missing_for_submit(case)
    if missing is not None:
        reasons.append(missing.refusal.message)
    if case.chsi.status not in (ChsiResult.VERIFIED, ChsiResult.NOT_NEEDED):
        reasons.append("学信网未校验通过")
    if case.form is not None and attachment_plan(case.form, case.chsi.status).required:
        reasons.append("有需人工查看的证明材料")
    if case.needs_manual_review or case.face.on_site is not None or not case.face.passed:
        reasons.append("标记为需人工审核")
    if case.photo.original is not None:
        reasons.append("寸照经系统修正")
    if case.id_card.corrections or case.id_card.warnings:
        reasons.append("身份证信息有改动或图像质量提示")
    return reasons
