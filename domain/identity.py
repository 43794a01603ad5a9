"""Identity rules for the ID step (R3): pure functions, one `Refusal` per broken rule.

Resident ID cards and 港澳台居民居住证 share the GB 11643-1999 number (6-digit region, 8-digit
birth date, 3-digit sequence whose parity is the sex, ISO 7064 MOD 11-2 check character). Other
documents (passports, passes) only get a format check and go to an examiner, because we cannot
read or verify them automatically.
"""

from __future__ import annotations

import json
import re
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel

from domain.catalogs import PROVINCES
from domain.errors import Refusal, RefusalCode
from domain.ethnicities import ethnicity_code


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    HMT_RESIDENCE = "hmt_residence"  # 港澳台居民居住证
    PASSPORT = "passport"  # 护照 / 通行证等: format check, manual review


class IdCardFields(BaseModel):
    name: str = ""
    sex: str = ""  # 男 / 女
    ethnicity: str = ""  # 民族, e.g. 汉
    birth_date: date | None = None
    address: str = ""
    id_number: str = ""
    issuer: str = ""  # 签发机关
    valid_from: date | None = None
    valid_until: date | None = None  # None with long_term=True means 长期
    long_term: bool = False


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
#: ASCII digits: `\d` also takes Arabic-Indic and other decimal digits, which int() reads
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_OTHER_DOC_SHAPE = re.compile(r"^[A-Z0-9]{5,20}$")
OLDEST_BIRTH_YEAR = 1900


class IdentityRefusal(RefusalCode):
    """A rule of the ID number or the card broken (R3)."""

    ID_FORMAT = "ID_FORMAT", "证件号码应为18位，前17位为数字，最后一位为数字或X。"
    ID_CHECK_DIGIT = "ID_CHECK_DIGIT", "证件号码校验位不正确，请核对号码是否输入或识别有误。"
    ID_REGION = "ID_REGION", "证件号码前6位不是有效的行政区划代码。"
    ID_BIRTH_DATE = "ID_BIRTH_DATE", "证件号码中的出生日期无效。"
    ID_TYPE_MISMATCH = "ID_TYPE_MISMATCH", "证件号码与所选证件类型不符，请重新选择证件类型。"
    ID_BIRTH_MISMATCH = "ID_BIRTH_MISMATCH", "身份证上的出生日期与证件号码不一致。"
    ID_SEX_MISMATCH = "ID_SEX_MISMATCH", "身份证上的性别与证件号码不一致。"
    ID_ETHNICITY = "ID_ETHNICITY", "身份证上的民族不在56个民族之列，请重新拍摄或核对。"
    ID_NAME_MISSING = "ID_NAME_MISSING", "未能识别身份证上的姓名，请重新拍摄头像面。"
    ID_VALIDITY_MISSING = "ID_VALIDITY_MISSING", "未能识别身份证有效期限，请重新拍摄国徽面。"
    ID_EXPIRED = "ID_EXPIRED", "身份证已过有效期，请使用有效证件。"
    ID_NOT_YET_VALID = "ID_NOT_YET_VALID", "身份证有效期尚未开始，请核对国徽面的有效期限。"
    ID_TYPED_MISMATCH = "ID_TYPED_MISMATCH", "识别出的证件号码与您填写的号码不一致，请核对。"
    DOC_FORMAT = "DOC_FORMAT", "证件号码格式不正确，应为5至20位字母或数字。"


@cache
def _divisions() -> dict[str, Any]:
    text = resources.files("domain").joinpath("data/admin_divisions.json").read_text()
    divisions: dict[str, Any] = json.loads(text)
    return divisions


def province_name(number: str) -> str | None:
    provinces: dict[str, str] = _divisions()["provinces"]
    return provinces.get(number[:2])


def region_known(number: str) -> bool:
    """Province strictly; prefecture from the current table, a few abolished cities, or the
    21–35 range GB/T 2260 used for 地区/盟/自治州 — numbers never change when a region is renamed,
    so people born in a former 地区 still carry its code (see docs/decisions.md)."""
    table = _divisions()
    if number[:6] in table["hmt_residence_prefixes"]:
        return True
    if number[:2] not in table["provinces"]:
        return False
    city = number[:4]
    low, high = table["former_prefecture_range"]
    return (
        city in table["cities"]
        or city in table["former_cities"]
        or low <= int(city[2:]) <= high
        or city[2:] == "90"
    )


def normalize_id_number(raw: str) -> str:
    """Upper-case, without blanks: candidates type 「x」 and spaces; the card prints 「X」."""
    return re.sub(r"\s+", "", raw or "").upper()


def check_character(first17: str) -> str:
    """GB 11643-1999 / ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_of(number: str) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born


def sex_of(number: str) -> str:
    """The 17th digit: odd for men, even for women."""
    return "男" if int(number[16]) % 2 else "女"


def is_hmt_number(number: str) -> bool:
    return number[:6] in _divisions()["hmt_residence_prefixes"]


def has_number_shape(number: str, id_type: IdType) -> bool:
    """The typed number's shape alone (R2, before anything is started): 17 ASCII digits and a
    check character, or a pass/permit's 5–20 ASCII letters and digits, to the very end."""
    shape = _OTHER_DOC_SHAPE if id_type is IdType.PASSPORT else _ID_SHAPE
    return shape.fullmatch(number) is not None


def type_mismatch(expected: str) -> Refusal:
    """The number belongs to another ID type: which one, so the candidate can choose it."""
    return Refusal.of(
        IdentityRefusal.ID_TYPE_MISMATCH,
        message=f"证件号码与所选证件类型不符：该号码是{expected}号码，请选择证件类型「{expected}」",
        expected=expected,
    )


def check_registered_number(raw: str, id_type: IdType, today: date) -> list[Refusal]:
    """R2, before a code is texted: the number's own rules, so a mistyped number is caught while
    the candidate still sees it. A pass/permit number that is a valid 18-digit ID number is the
    ID type mistaken: an application is keyed by type and number, so the same person's number
    typed as a pass would hold a second application in the period (and a pass is read by an
    examiner, not by OCR against the number)."""
    number = normalize_id_number(raw)
    if id_type is IdType.PASSPORT:
        as_id = IdType.HMT_RESIDENCE if is_hmt_number(number) else IdType.RESIDENT_ID
        if has_number_shape(number, as_id) and not check_id_number(number, as_id):
            return [type_mismatch("港澳台居民居住证" if is_hmt_number(number) else "居民身份证")]
    return check_id_number(number, id_type, today)


def check_id_number(raw: str, id_type: IdType, today: date | None = None) -> list[Refusal]:
    """Rules on the number alone — usable as soon as the candidate types it (R2)."""
    number = normalize_id_number(raw)
    if id_type is IdType.PASSPORT:
        return (
            []
            if has_number_shape(number, id_type)
            else [Refusal.of(IdentityRefusal.DOC_FORMAT, measured=len(number))]
        )
    if not has_number_shape(number, id_type):
        return [Refusal.of(IdentityRefusal.ID_FORMAT, measured=len(number), expected=18)]
    refusals: list[Refusal] = []
    if check_character(number[:17]) != number[17]:
        refusals.append(Refusal.of(IdentityRefusal.ID_CHECK_DIGIT))
    if not region_known(number):
        refusals.append(Refusal.of(IdentityRefusal.ID_REGION, measured=number[:6]))
    elif is_hmt_number(number) != (id_type is IdType.HMT_RESIDENCE):
        expected = "港澳台居民居住证" if is_hmt_number(number) else "居民身份证"
        refusals.append(type_mismatch(expected))
    born = birth_date_of(number)
    if born is None or born.year < OLDEST_BIRTH_YEAR or (today is not None and born > today):
        refusals.append(Refusal.of(IdentityRefusal.ID_BIRTH_DATE, measured=number[6:14]))
    return refusals


#: R12's old number written as a resident ID number: digits, perhaps ending in X, of about an ID
#: number's length (a 15- or 18-digit number with a digit missing or doubled is a typo)
_LOOKS_LIKE_ID = re.compile(r"[0-9]{13,18}[0-9X]")
#: any other document an earlier diploma named (passport, pass, 军官证 「南字第1234567号」)
_OLD_DOC_SHAPE = re.compile(r"[0-9A-Z()（）\-\u4e00-\u9fff]{4,32}")


def old_id_number_problem(raw: str) -> str | None:
    """What is wrong with R12's 「原证件号码」, or None. A number shaped like an ID number must be
    one: 18 digits with its check character and birth date, or a first-generation card's 15
    (birth date 19YYMMDD, no check character). Its region is not judged: the divisions of an old
    card may have been abolished since. Other documents are only held to their characters."""
    number = normalize_id_number(raw)
    if not number:
        return None
    if _LOOKS_LIKE_ID.fullmatch(number):
        if len(number) == 15 and number.isdigit():
            born = birth_date_of(f"{number[:6]}19{number[6:12]}")
            return None if born else "原身份证号码有误：15位号码的第7至12位应为出生年月日，请核对"
        if len(number) != 18:
            return f"原身份证号码应为15位或18位，填写的是{len(number)}位，请核对"
        if check_character(number[:17]) != number[17]:
            return "原身份证号码校验位不正确，请核对号码是否填写有误"
        born = birth_date_of(number)
        if born is None or born.year < OLDEST_BIRTH_YEAR:
            return "原身份证号码有误：第7至14位应为出生年月日，请核对"
        return None
    if not _OLD_DOC_SHAPE.fullmatch(number):
        return "原证件号码只能由字母、数字、汉字和括号组成，长度为4至32位"
    return None


# The card field each rule is about, for `details` (side, field) of the refusal.
FIELD_OF: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            IdentityRefusal.ID_FORMAT,
            IdentityRefusal.ID_CHECK_DIGIT,
            IdentityRefusal.ID_REGION,
            IdentityRefusal.ID_BIRTH_DATE,
            IdentityRefusal.ID_TYPE_MISMATCH,
            IdentityRefusal.ID_TYPED_MISMATCH,
            IdentityRefusal.DOC_FORMAT,
        ),
        ("front", "id_number"),
    ),
    IdentityRefusal.ID_BIRTH_MISMATCH: ("front", "birth_date"),
    IdentityRefusal.ID_SEX_MISMATCH: ("front", "sex"),
    IdentityRefusal.ID_ETHNICITY: ("front", "ethnicity"),
    IdentityRefusal.ID_NAME_MISSING: ("front", "name"),
    IdentityRefusal.ID_VALIDITY_MISSING: ("back", "validity"),
    IdentityRefusal.ID_EXPIRED: ("back", "validity"),
    IdentityRefusal.ID_NOT_YET_VALID: ("back", "validity"),
}


def check_card(
    fields: IdCardFields, id_type: IdType, typed_number: str, check_date: date
) -> list[Refusal]:
    """Every rule of R3 on what the card says and what the candidate typed; each refusal names
    the side and field in `details`.

    Passports and passes are not read: they get the format check only (the caller marks them
    for manual review)."""
    refusals = _card_rules(fields, id_type, typed_number, check_date)
    for refusal in refusals:
        side, field = FIELD_OF.get(refusal.code, ("front", "id_number"))
        refusal.details = {"side": side, "field": field, **(refusal.details or {})}
    return refusals


def _card_rules(
    fields: IdCardFields, id_type: IdType, typed_number: str, check_date: date
) -> list[Refusal]:
    if id_type is IdType.PASSPORT:
        return check_id_number(typed_number, id_type)
    number = normalize_id_number(fields.id_number)
    refusals = check_id_number(number, id_type, check_date)
    typed = normalize_id_number(typed_number)
    if number != typed:
        refusals.append(
            Refusal.of(
                IdentityRefusal.ID_TYPED_MISMATCH, measured=mask(number), expected=mask(typed)
            )
        )
    number_ok = not refusals
    if not fields.name.strip():
        refusals.append(Refusal.of(IdentityRefusal.ID_NAME_MISSING))
    if number_ok and fields.birth_date is not None and fields.birth_date != birth_date_of(number):
        refusals.append(
            Refusal.of(
                IdentityRefusal.ID_BIRTH_MISMATCH,
                measured=fields.birth_date.isoformat(),
                expected=number[6:14],
            )
        )
    if number_ok and fields.sex and fields.sex != sex_of(number):
        refusals.append(
            Refusal.of(
                IdentityRefusal.ID_SEX_MISMATCH, measured=fields.sex, expected=sex_of(number)
            )
        )
    if id_type is IdType.RESIDENT_ID and ethnicity_code(fields.ethnicity) is None:
        refusals.append(Refusal.of(IdentityRefusal.ID_ETHNICITY, measured=fields.ethnicity))
    refusals.extend(check_validity(fields, check_date))
    return refusals


def check_validity(fields: IdCardFields, check_date: date) -> list[Refusal]:
    """「长期」 never expires; otherwise the card is valid through its last printed day."""
    if fields.valid_from is None or (fields.valid_until is None and not fields.long_term):
        return [Refusal.of(IdentityRefusal.ID_VALIDITY_MISSING)]
    if fields.valid_from > check_date:
        return [
            Refusal.of(IdentityRefusal.ID_NOT_YET_VALID, measured=fields.valid_from.isoformat())
        ]
    if not fields.long_term and fields.valid_until is not None and fields.valid_until < check_date:
        return [
            Refusal.of(
                IdentityRefusal.ID_EXPIRED,
                measured=fields.valid_until.isoformat(),
                expected=f"不早于{check_date.isoformat()}",
            )
        ]
    return []


def mask(number: str) -> str:
    """Refusals end up in logs and histories: never the whole number."""
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "***"


#: an HMT residence permit's number starts with its holder's household: 81 Hong Kong, 82 Macao,
#: 83 Taiwan (GB/T 2260 codes 81, 82, 71); the address printed on it is the mainland residence
_PERMIT_HOUSEHOLDS = {"81": "81", "82": "82", "83": "71"}


def permit_household(id_number: str) -> str | None:
    """The province code of an HMT residence permit holder's household, None for other numbers
    (a resident ID's first two digits are a mainland province)."""
    return _PERMIT_HOUSEHOLDS.get(id_number[:2])


def province_of_address(address: str) -> str | None:
    """The GB/T 2260 province code an ID card's address starts with (「湖南省长沙市…」 -> "43"),
    or None when the address names no province. Two characters tell every province apart."""
    text = address.strip()
    for code, name in PROVINCES.items():
        if text.startswith(name[:2]):
            return code
    return None
