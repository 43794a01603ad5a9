"""Which card fields the ID step needs, when a read counts as legible, and what the ID number
settles for the rest (pure; activities/ocr.py applies it after the read).

GB 11643-1999 puts the birth date in digits 7–14 and the sex in the parity of digit 17, so an
unread or uncertain 性别 / 出生 is taken from a valid number — and flagged for the candidate to
confirm and the examiner to see, never filled in silently. The other fields cannot be derived:
when one is not legible the side is refused (activities/idcard_legibility.py says why).
"""

from __future__ import annotations

from domain.ethnicities import normalize_ethnicity
from domain.identity import IdCardFields, birth_date_of, check_character, sex_of
from domain.vision import CardSide, FieldFlag, FlagReason

# A field whose weakest OCR score is below this is "no confident read". PP-OCRv6 scores a
# correct line at 0.9+ and the parser halves a guessed value; see docs/decisions.md.
MIN_LEGIBLE = 0.5
CONFIRM_BELOW = 0.8  # legible but below this: flagged for the candidate to confirm
NEEDED: dict[CardSide, tuple[str, ...]] = {
    CardSide.FRONT: ("name", "id_number", "ethnicity", "address"),
    CardSide.BACK: ("issuer", "validity"),
}
DERIVABLE: dict[str, CardSide] = {"sex": CardSide.FRONT, "birth_date": CardSide.FRONT}
FIELD_NAMES = {
    "name": "姓名", "sex": "性别", "ethnicity": "民族", "birth_date": "出生日期", "address": "住址",
    "id_number": "公民身份号码", "issuer": "签发机关", "validity": "有效期限", "card": "证件",
    "portrait": "人像",
}  # fmt: skip
_DERIVED_MESSAGE = "{label}未能从证件上识别，已按公民身份号码填写为「{value}」，请核对。"
_UNCERTAIN_MESSAGE = "{label}识别把握不大（「{value}」），请核对。"


def _value(fields: IdCardFields, field: str) -> object:
    if field == "validity":
        return fields.valid_from and (fields.long_term or fields.valid_until)
    return getattr(fields, field)


def _shown(fields: IdCardFields, field: str) -> str:
    if field == "validity":
        until = "长期" if fields.long_term else str(fields.valid_until)
        return f"{fields.valid_from}至{until}"
    return str(getattr(fields, field))


def legible(fields: IdCardFields, confidence: dict[str, float], field: str) -> bool:
    return bool(_value(fields, field)) and confidence.get(field, 0.0) >= MIN_LEGIBLE


def illegible_fields(
    fields: IdCardFields, confidence: dict[str, float]
) -> list[tuple[CardSide, str]]:
    return [
        (side, field)
        for side, needed in NEEDED.items()
        for field in needed
        if not legible(fields, confidence, field)
    ]


def number_is_valid(number: str) -> bool:
    return (
        len(number) == 18
        and number[:17].isdigit()
        and check_character(number[:17]) == number[17]
        and birth_date_of(number) is not None
    )


def complete_fields(
    fields: IdCardFields, confidence: dict[str, float]
) -> tuple[IdCardFields, list[FieldFlag]]:
    """Normalise 民族; take 性别 and 出生 from a valid number when unread or uncertain and they
    disagree with it; flag every derived or uncertain value."""
    flags: list[FieldFlag] = []
    update: dict[str, object] = {}
    ethnicity = normalize_ethnicity(fields.ethnicity)
    if ethnicity:
        update["ethnicity"] = ethnicity
    number = fields.id_number
    if number_is_valid(number) and confidence.get("id_number", 0.0) >= MIN_LEGIBLE:
        derived = {"sex": sex_of(number), "birth_date": birth_date_of(number)}
        for field, value in derived.items():
            read = getattr(fields, field)
            if read == value:
                continue
            if read and confidence.get(field, 0.0) >= MIN_LEGIBLE:
                continue  # a confident read that disagrees: the identity rules refuse it
            update[field] = value
            shown = value.isoformat() if field == "birth_date" else value  # type: ignore[union-attr]
            message = _DERIVED_MESSAGE.format(label=FIELD_NAMES[field], value=shown)
            flags.append(
                FieldFlag(
                    field=field,
                    side=DERIVABLE[field],
                    reason=FlagReason.DERIVED_FROM_NUMBER,
                    message=message,
                )
            )
    for side, needed in NEEDED.items():
        for field in needed:
            conf = confidence.get(field, 0.0)
            if legible(fields, confidence, field) and conf < CONFIRM_BELOW:
                value = _shown(fields, field)
                message = _UNCERTAIN_MESSAGE.format(label=FIELD_NAMES[field], value=value)
                flags.append(
                    FieldFlag(field=field, side=side, reason=FlagReason.UNCERTAIN, message=message)
                )
    return fields.model_copy(update=update), flags
