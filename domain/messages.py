"""Refusal codes of the enrollment process outside the vision and CHSI rules (which keep theirs
beside the rules), and the texts the candidate is sent. One place for every sentence a person
reads about his case."""

from __future__ import annotations

from pydantic import BaseModel

from domain.errors import RefusalCode


class CaseRefusal(RefusalCode):
    """A step of the case refused for where the case is, or for what is missing."""

    WINDOW_CLOSED = "WINDOW_CLOSED", "非新生入籍时间，请等待入籍考期开启！"
    WRONG_STATE = "WRONG_STATE", "当前状态不能进行此操作"
    STEP_NOT_REACHED = "STEP_NOT_REACHED", "请先完成前面的步骤"
    ID_NOT_READ = "ID_NOT_READ", "请先上传身份证正反面"
    ID_NUMBER_INVALID = "ID_NUMBER_INVALID", "证件号码格式不正确"
    PHONE_INVALID = "PHONE_INVALID", "手机号码格式不正确"
    PHOTO_NOT_COMPLIANT = "PHOTO_NOT_COMPLIANT", "照片不符合要求"
    PHOTO_NO_FIX = "PHOTO_NO_FIX", "没有可采用的自动修正照片"
    FACE_NO_CHALLENGE = "FACE_NO_CHALLENGE", "请先开始人脸核验"
    NOTICE_NOT_ACCEPTED = "NOTICE_NOT_ACCEPTED", "请阅读并同意《新生入籍须知》"
    FORM_INVALID = "FORM_INVALID", "报名信息填写有误"
    FORM_INCOMPLETE = "FORM_INCOMPLETE", "请先填写报名信息"
    ATTACHMENTS_MISSING = "ATTACHMENTS_MISSING", "请上传以下材料"
    ATTACHMENT_NOT_REQUIRED = "ATTACHMENT_NOT_REQUIRED", "无需上传该材料"
    ATTACHMENT_NOT_FOUND = "ATTACHMENT_NOT_FOUND", "该附件不存在或已删除"
    CHSI_NOT_NEEDED = "CHSI_NOT_NEEDED", "该层次无需学信网校验"
    CHSI_ALREADY_VERIFIED = "CHSI_ALREADY_VERIFIED", "学信网校验已通过，无需再次校验"
    CHSI_CLOSED = (
        "CHSI_CLOSED",
        "学信网校验已结束（已选择「学信网校验失败」或校验超时），请在附件中上传学历或学籍证明材料",
    )
    CHSI_UNAVAILABLE = (
        "CHSI_UNAVAILABLE",
        "学信网暂时无法连接，请稍后重试，或选择「学信网校验失败」后上传学历或学籍证明",
    )
    UNDER_REVIEW_LOCKED = "UNDER_REVIEW_LOCKED", "审核已开始，不能修改"
    NOT_EDITABLE = "NOT_EDITABLE", "当前状态不能修改"
    NOT_CLAIMED_BY_YOU = "NOT_CLAIMED_BY_YOU", "该申请未由您领取"
    ALREADY_CLAIMED = "ALREADY_CLAIMED", "该申请已被其他审核员领取"
    REVIEW_CLOSED = (
        "REVIEW_CLOSED",
        "本考期审核截止后的关闭已完成，该申请只能审核通过或不通过，不能再释放或退回修改",
    )
    REASONS_REQUIRED = "REASONS_REQUIRED", "请填写原因"
    RETURN_NOT_ANSWERED = "RETURN_NOT_ANSWERED", "请先按退回意见重新完成以下步骤"
    RETURN_ITEM_UNKNOWN = "RETURN_ITEM_UNKNOWN", "退回项目须为考生可以修改的内容"
    CHECKLIST_INCOMPLETE = (
        "CHECKLIST_INCOMPLETE",
        "材料不完整，不能审核通过；如已核实，请填写通过理由",
    )
    APPLICATION_NOT_FOUND = "APPLICATION_NOT_FOUND", "未找到入籍申请"
    #: one text for a rejected and a numbered application: registration answers before the
    #: phone is proven, so it does not tell which
    APPLICATION_CONCLUDED = (
        "APPLICATION_CONCLUDED",
        "该证件本考期的入籍申请已办结（审核不通过或已生成准考证号），本考期不能再次申请；"
        "请使用手机号登录「我的考籍信息」查看结果",
    )


#: Why a case ended by a deadline of its own, as the candidate reads it in 「我的考籍信息」;
#: keyed by the audit action that ended it (the close-out writes its own reason on the case).
EXPIRY_REASONS = {
    "expired:window_closed": "入籍时间已截止，您的申请在截止前未提交，已失效。"
    "如需入籍，请在下一次入籍时间内重新申请。",
    "expired:face_not_verified": "您的申请在登记后规定时间内未完成人脸核验，已失效。"
    "如需入籍，请在入籍时间内重新登记。",
    "expired:phone_not_verified": "手机号未在规定时间内验证，登记已失效，请重新登记。",
}
#: The window's close ended a case that had been submitted and was changed back to the
#: candidate's steps (a change that needed more): he had submitted, but not again.
EXPIRED_AFTER_REOPENING = (
    "入籍时间已截止：您提交后修改的内容需要补充材料，申请退回待提交状态后未在截止前重新提交，已失效。"
    "如需入籍，请在下一次入籍时间内重新申请。"
)


class PeriodRefusal(RefusalCode):
    """The operator's steering of an enrollment period."""

    PERIOD_NOT_FOUND = "PERIOD_NOT_FOUND", "未找到入籍考期"
    DEADLINE_INVALID = "DEADLINE_INVALID", "审核截止时间不正确"
    PERIOD_INVALID = (
        "PERIOD_INVALID",
        "考期时间不正确：应先开始、后结束，审核截止不早于结束时间",
    )


class AccessRefusal(RefusalCode):
    """Who may do what: logins, tokens, roles and regions."""

    AUTH_REQUIRED = "AUTH_REQUIRED", "请先登录"
    AUTH_INVALID = "AUTH_INVALID", "登录已失效，请重新登录"
    FORBIDDEN = "FORBIDDEN", "无权进行此操作"
    UNTRUSTED_CALLER = "UNTRUSTED_CALLER", "该操作未经入籍系统发出，已拒绝；请通过入籍系统办理"
    REGION_FORBIDDEN = "REGION_FORBIDDEN", "无权审核该地区的申请"
    LOGIN_FAILED = "LOGIN_FAILED", "用户名或密码错误"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED", "账号已停用，请联系管理员"
    LOGIN_LOCKED = "LOGIN_LOCKED", "登录失败次数过多，账号已临时锁定，请稍后再试"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS", "操作过于频繁，请稍后再试"


class SmsRefusal(RefusalCode):
    """SMS verification codes (R2)."""

    SMS_CODE_WRONG = "SMS_CODE_WRONG", "验证码错误"
    SMS_CODE_EXPIRED = "SMS_CODE_EXPIRED", "验证码已过期，请重新获取"
    SMS_CODE_LOCKED = "SMS_CODE_LOCKED", "验证码错误次数过多，请重新获取"
    #: the code sent last is still live (a registration's and a login's both work: infra/otp.py)
    SMS_COOLDOWN = (
        "SMS_COOLDOWN",
        "验证码刚刚已发送，10分钟内有效（注册和登录均可使用），请查看短信；如未收到，请稍后再获取",
    )
    SMS_DAILY_CAP = "SMS_DAILY_CAP", "今日获取验证码次数已达上限"
    SMS_NO_CODE = "SMS_NO_CODE", "请先获取验证码"
    SMS_UNAVAILABLE = "SMS_UNAVAILABLE", "短信服务暂不可用，请稍后再试"
    SMS_REJECTED = "SMS_REJECTED", "短信无法发送到该号码，请核对手机号码"


#: A login whose phone is proven but holds no verified application: most often a registration
#: whose SMS code was never typed, which registering again (same ID number, same phone) resumes.
LOGIN_NOTHING_VERIFIED = (
    "该手机号下没有已完成注册的入籍申请。新考生请在「新生注册」中填写证件号码和本手机号，"
    "获取验证码完成注册"
)

#: The steps a return can name, as the candidate reads them.
STEP_NAMES = {"id_card": "身份证", "photo": "寸照", "face": "人脸核验", "form": "报名信息"}

#: Texts sent to the candidate's phone.
DECISION_SMS = {
    "approved": "【湖南自考】您的新生入籍申请已审核通过，准考证号将在审核截止后生成。",
    "rejected": "【湖南自考】您的新生入籍申请审核未通过，请登录查看原因。",
    "returned": "【湖南自考】您的新生入籍申请被退回修改，请登录查看并修改后重新提交。",
}
#: An approval after the review deadline: the deadline's issuing run has passed it by.
APPROVED_AFTER_DEADLINE_SMS = (
    "【湖南自考】您的新生入籍申请已审核通过。本期审核截止后通过的申请，准考证号由自考办另行生成，"
    "生成后将短信通知您。"
)
#: What an approved candidate reads of his admission-ticket number (R16), by when he was approved.
TICKET_AT_DEADLINE = "审核已通过，准考证号将在审核截止时间后生成。"
TICKET_AFTER_DEADLINE = (
    "审核已通过。本期审核截止后通过的申请，准考证号由自考办另行生成，生成后将短信通知您。"
)

#: To the phone an application was registered with, when the card's owner took the ID number over.
IDENTITY_TAKEN_OVER_SMS = (
    "【湖南自考】您用本手机号登记的新生入籍申请已终止：该身份证号码的持证人已通过身份证和人脸核验，"
    "在其他手机号上报名。如有疑问，请携带身份证到考区自考办咨询。"
)


def ticket_sms(number: str) -> str:
    return f"【湖南自考】您的入籍申请已生成准考证号：{number}。"


# --- contract of the notification activity -----------------------------------------------
NOTIFY_CANDIDATE = "notify_candidate"


class Notification(BaseModel):
    workflow_id: str
    event: str  # one message per (workflow, event): "decision:approved", "ticket"
    phone: str
    phone_hash: str
    text: str
