"""Refusal codes and Chinese messages of the enrollment process, defined once."""

from __future__ import annotations

from domain.errors import RefusedError

MESSAGES: dict[str, str] = {
    "WINDOW_CLOSED": "非新生入籍时间，请等待入籍考期开启！",
    "WRONG_STATE": "当前状态不能进行此操作",
    "STEP_NOT_REACHED": "请先完成前面的步骤",
    "SMS_CODE_WRONG": "验证码错误",
    "SMS_CODE_EXPIRED": "验证码已过期，请重新获取",
    "SMS_CODE_LOCKED": "验证码错误次数过多，请重新获取",
    "SMS_COOLDOWN": "验证码发送过于频繁，请稍后再试",
    "SMS_DAILY_CAP": "今日获取验证码次数已达上限",
    "SMS_NO_CODE": "请先获取验证码",
    "SMS_UNAVAILABLE": "短信服务暂不可用，请稍后再试",
    "SMS_REJECTED": "短信无法发送到该号码，请核对手机号码",
    "PHONE_INVALID": "手机号码格式不正确",
    "ID_NUMBER_INVALID": "证件号码格式不正确",
    "ID_NOT_READ": "请先上传身份证正反面",
    "PHOTO_NOT_COMPLIANT": "照片不符合要求",
    "PHOTO_NO_FIX": "没有可采用的自动修正照片",
    "FACE_NO_CHALLENGE": "请先开始人脸核验",
    "NOTICE_NOT_ACCEPTED": "请阅读并同意《新生入籍须知》",
    "FORM_INVALID": "报名信息填写有误",
    "FIELD_INVALID": "填写内容过长或含有不允许的字符",
    "STORAGE_QUOTA": "上传的文件总量已达上限，请联系考试机构",
    "FORM_INCOMPLETE": "请先填写报名信息",
    "ATTACHMENTS_MISSING": "请上传以下材料",
    "UNDER_REVIEW_LOCKED": "审核已开始，不能修改",
    "NOT_EDITABLE": "当前状态不能修改",
    "NOT_CLAIMED_BY_YOU": "该申请未由您领取",
    "ALREADY_CLAIMED": "该申请已被其他审核员领取",
    "REASONS_REQUIRED": "请填写原因",
    "REGION_FORBIDDEN": "无权审核该地区的申请",
    "APPLICATION_NOT_FOUND": "未找到入籍申请",
    "AUTH_REQUIRED": "请先登录",
    "AUTH_INVALID": "登录已失效，请重新登录",
    "FORBIDDEN": "无权进行此操作",
    "LOGIN_FAILED": "用户名或密码错误",
    "LOGIN_LOCKED": "登录失败次数过多，账号已临时锁定，请稍后再试",
    "TOO_MANY_REQUESTS": "操作过于频繁，请稍后再试",
    "ACCOUNT_DISABLED": "账号已停用，请联系管理员",
    "PERIOD_NOT_FOUND": "未找到入籍考期",
    "PERIOD_INVALID": "考期时间不正确：应先开始、后结束，审核截止不早于结束时间",
    "REQUEST_REFUSED": "请求无法处理，请检查后重试",
    "DEADLINE_INVALID": "审核截止时间不正确",
    "CHSI_NOT_NEEDED": "该层次无需学信网校验",
    "CHSI_UNAVAILABLE": (
        "学信网暂时无法连接，请稍后重试，或选择「学信网校验失败」后上传学历或学籍证明"
    ),
    "ATTACHMENT_NOT_REQUIRED": "无需上传该材料",
}


def refuse(code: str, detail: str | None = None, **extra) -> RefusedError:
    message = MESSAGES[code] if detail is None else f"{MESSAGES[code]}：{detail}"
    return RefusedError(code, message, **extra)
