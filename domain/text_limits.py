"""Length and character limits of every free-text value a person sends.

Checked by the API before anything reaches Temporal: a value that passes fits easily in one
update payload, cannot carry markup-breaking or direction-changing characters into an examiner's
screen, and costs the workflow's validators microseconds. Pure; the limits are generous for any
real Chinese name, address or issuing authority (a 居民身份证 address has at most 70 characters).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

#: field -> maximum length in characters; fields not listed get DEFAULT_MAX_CHARS
FIELD_MAX_CHARS: dict[str, int] = {
    # enrollment form (R7, R10, R12)
    "postal_code": 6,
    "household_type": 8,
    "household_province": 8,
    "occupation": 8,
    "political_status": 8,
    "email": 254,  # RFC 5321 path limit
    "contact_phone": 11,
    "region": 4,
    "major": 16,
    "non_hunan_category": 16,
    "old_name": 50,
    "old_id_number": 32,
    # ID card (R3)
    "name": 50,
    "sex": 2,
    "ethnicity": 16,
    "address": 120,
    "id_number": 32,
    "issuer": 60,
    # examiner decisions
    "item": 64,
    "reason": 500,
    "override_reason": 500,
    "nonce": 64,
}
DEFAULT_MAX_CHARS = 64

#: what the person reads for a field in a refusal
FIELD_LABELS: dict[str, str] = {
    "postal_code": "邮政编码",
    "household_type": "户口类型",
    "household_province": "户籍所在省份",
    "occupation": "职业",
    "political_status": "政治面貌",
    "email": "电子邮箱",
    "contact_phone": "联系电话",
    "region": "入籍地区",
    "major": "入籍专业",
    "non_hunan_category": "在湘情形",
    "social_insurance_months": "在我省缴纳社保的月数",
    "identity_changed": "姓名或身份证号是否变更",
    "old_name": "原姓名",
    "old_id_number": "原证件号码",
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "address": "住址",
    "id_number": "证件号码",
    "issuer": "签发机关",
    "item": "审核项目",
    "reason": "原因",
    "override_reason": "通过说明",
    "nonce": "核验编号",
    "application_id": "申请编号",
    "code": "验证码",
    "phone": "手机号码",
    "id_type": "证件类型",
    "notice_version": "须知版本",
}

#: Unicode categories refused anywhere: controls (NUL, CR, LF, ESC …), format characters (the
#: bidi overrides U+202A–U+202E and isolates U+2066–U+2069, zero-width joiners, BOM), lone
#: surrogates, private use and unassigned code points
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
#: line separators are not controls in Unicode but break lines just as well
_REFUSED_CHARS = frozenset("\u2028\u2029")


def text_problem(field: str, value: str) -> str | None:
    """Why `value` cannot be the value of `field` (Chinese, for the person), or None."""
    limit = FIELD_MAX_CHARS.get(field, DEFAULT_MAX_CHARS)
    if len(value) > limit:
        return f"不能超过{limit}个字符"
    for ch in value:
        if ch in _REFUSED_CHARS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return "含有不允许的字符（控制字符、方向控制字符等）"
    return None


def field_label(path: str) -> str:
    """「住址」 for "address", 「原因」 for "items.0.reason"."""
    return FIELD_LABELS.get(_last_name(path), "填写内容")


def field_named(path: str) -> str:
    """The field's Chinese name where it has one, else the path itself (a refusal listing
    several fields must still tell them apart)."""
    return FIELD_LABELS.get(_last_name(path), path)


def _last_name(path: str) -> str:
    return next((p for p in reversed(path.split(".")) if not p.isdigit()), path)


def first_text_problem(values: Mapping[str, object], prefix: str = "") -> tuple[str, str] | None:
    """The first (field, reason) among the string values of a model dump, nested dicts and lists
    included (fields named by their dotted path)."""
    for name, value in values.items():
        path = f"{prefix}{name}"
        if isinstance(value, str):
            reason = text_problem(str(name), value)
            if reason:
                return path, reason
        elif isinstance(value, Mapping):
            found = first_text_problem(value, f"{path}.")
            if found:
                return found
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    found = first_text_problem(item, f"{path}.{i}.")
                elif isinstance(item, str):
                    reason = text_problem(str(name), item)
                    found = (f"{path}.{i}", reason) if reason else None
                else:
                    found = None
                if found:
                    return found
    return None


def email_ok(value: str) -> bool:
    """`local@domain.tld` without whitespace: one '@', and a dot inside the domain with something
    on both sides. Linear in the length (the regex it replaces backtracked quadratically) and
    accepting exactly what it accepted, so histories replay; the length limit is the API's."""
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain or any(ch.isspace() for ch in value):
        return False
    return "." in domain[1:-1]
