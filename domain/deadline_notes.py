"""What the candidate is told of the period's dates around submission: by when a returned case
must go in again, and what the submit dialog promises. Pure: the API passes the period's
current dates (an operator may have moved them) and the time now.

A returned case has no deadline of its own (domain/case_rules.deadlines: none for RETURNED, and
its resubmission is not held to the window); what ends it is the period's close-out, the review
deadline plus `close_out_after` (domain/closeout.py). That is the date he is told."""

from __future__ import annotations

from datetime import datetime

from domain.liveness import SHANGHAI
from domain.messages import DECISION_SMS


def beijing(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}"


def resubmit_note(resubmit_by: datetime) -> str:
    return (
        f"请于{beijing(resubmit_by)}（北京时间）前按退回意见修改并重新提交；"
        "逾期仍未重新提交的，申请将被关闭。"
    )


def reopened_note(closes_at: datetime) -> str:
    """A submitted case a change put back to its steps (a proof deleted, a choice that needs
    more): it is a draft again, which the window's close ends — sooner than a return's close-out."""
    return (
        "您提交后的修改需要补充材料，申请已回到待提交状态：请于"
        f"{beijing(closes_at)}（北京时间，入籍截止）前补齐并重新提交；逾期未重新提交，申请将失效。"
    )


def returned_sms(resubmit_by: datetime | None) -> str:
    """The return's SMS; without a date for returns sent before the date was told."""
    if resubmit_by is None:
        return DECISION_SMS["returned"]
    return (
        f"【湖南自考】您的新生入籍申请被退回修改，请于{beijing(resubmit_by)}（北京时间）前"
        "登录查看，按退回意见修改后重新提交，逾期申请将被关闭。"
    )


def submit_note(now: datetime, closes_at: datetime, review_deadline: datetime) -> str:
    """The submit dialog's warning at `now`: a fixed 「审核开始前可修改」 and 「准考证号在审核截止
    时间后生成」 were false for a returned case going in again after the window or the review
    deadline (a change that needs more proofs is refused then; a late approval's number comes
    from a supplementary run)."""
    if now < closes_at:
        changes = "提交后将进入审核；审核开始前可在「我的考籍信息」中修改，审核开始后不能修改。"
    else:
        changes = (
            "提交后将进入审核。入籍已截止：审核开始前仍可在「我的考籍信息」中修改，"
            "但不能改为需要补充材料的选择，也不能删除申请需要的唯一一份材料；审核开始后不能修改。"
        )
    if now < review_deadline:
        ticket = f"准考证号在审核截止时间（{beijing(review_deadline)}）后生成。"
    else:
        ticket = (
            f"本期审核已于{beijing(review_deadline)}截止，截止后审核通过的申请，"
            "准考证号由自考办另行生成，生成后将短信通知您。"
        )
    return changes + ticket
