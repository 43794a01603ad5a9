"""States of one application and which actions each allows (DESIGN.md, "States")."""

from __future__ import annotations

from enum import StrEnum


class AppState(StrEnum):
    REGISTERED = "REGISTERED"
    ID_PENDING = "ID_PENDING"
    PHOTO_PENDING = "PHOTO_PENDING"
    FACE_PENDING = "FACE_PENDING"
    NOTICE_PENDING = "NOTICE_PENDING"
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    TICKET_ISSUED = "TICKET_ISSUED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"
    #: ended because another phone's application of the same ID number proved possession of
    #: the card first (domain/identity_claims.py)
    SUPERSEDED = "SUPERSEDED"


STATE_LABELS = {
    AppState.REGISTERED: "待验证手机",
    AppState.ID_PENDING: "待上传身份证",
    AppState.PHOTO_PENDING: "待上传照片",
    AppState.FACE_PENDING: "待人脸核验",
    AppState.NOTICE_PENDING: "待阅读须知",
    AppState.DRAFT: "填写中",
    AppState.SUBMITTED: "已提交，待审核",
    AppState.UNDER_REVIEW: "审核中",
    AppState.RETURNED: "已退回，待修改",
    AppState.APPROVED: "审核通过",
    AppState.REJECTED: "审核不通过",
    AppState.TICKET_ISSUED: "已生成准考证号",
    AppState.EXPIRED: "已失效",
    AppState.WITHDRAWN: "已撤回",
    AppState.SUPERSEDED: "已终止：该证件号码已在其他手机号上核验报名",
}

#: Steps before submission, in order; a candidate may redo any earlier step from a later one.
PRE_SUBMIT = (
    AppState.REGISTERED,
    AppState.ID_PENDING,
    AppState.PHOTO_PENDING,
    AppState.FACE_PENDING,
    AppState.NOTICE_PENDING,
    AppState.DRAFT,
)
EDITABLE_AFTER_SUBMIT = (AppState.SUBMITTED, AppState.RETURNED)
FINAL = (
    AppState.REJECTED,
    AppState.TICKET_ISSUED,
    AppState.EXPIRED,
    AppState.WITHDRAWN,
    AppState.SUPERSEDED,
)
#: States the window closing or abandonment can end.
OPEN_BEFORE_SUBMIT = PRE_SUBMIT


def step_index(state: AppState) -> int:
    return PRE_SUBMIT.index(state) if state in PRE_SUBMIT else len(PRE_SUBMIT)


class Decision(StrEnum):
    """An examiner's decision on a claimed case (R15)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
