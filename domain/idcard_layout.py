"""The card's fields told by where they are printed, for a side whose pale labels were not read
(a photocopy, a worn card: the labels are printed in light blue, the values in black).

Anchors, not labels: on the front the row with a valid 18-digit number (its check character
fits) and, above it, the birth row 「YYYY年M月D日」 whose date is the number's digits 7–14; the
row just above the birth row is 性别 + 民族, the one above that the name, the rows between the
birth row and the number the address. On the back the 有效期限 row (a date, a dash, a date or
「长期」) and, just above it, the issuer. A field found this way never replaces one read beside
its label, and is scored POSITIONAL: legible, flagged for the candidate to confirm.
"""

from __future__ import annotations

import re

from domain.card_characters import card_characters
from domain.catalogs import PROVINCES
from domain.ethnicities import CARD_NAMES, normalize_ethnicity, simplified
from domain.idcard_parse import (
    FRONT_LABELS,
    FULL_ADDRESS_LINE,
    POSITIONAL,
    OcrLine,
    Parsed,
    Row,
    address_line,
    compact,
    find_id_number,
    name_text,
    normalize_number,
    parse_back,
    parse_date,
    parse_front,
    rows_of,
)
from domain.identity import birth_date_of, check_character

_BIRTH = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_VALIDITY = re.compile(r"\d{4}\D?\d{2}\D?\d{2}\D+(\d{4}|长)")
_ISSUER_END = ("公安局", "分局")
MAX_ADDRESS_ROWS = 4


def _valid_number(text: str) -> bool:
    digits = normalize_number(text)
    return any(
        check_character(digits[i : i + 17]) == digits[i + 17] and "X" not in digits[i : i + 17]
        for i in range(max(len(digits) - 17, 0))
    )


def front_marks(lines: list[OcrLine]) -> int:
    """How many of the front's two anchors were read: a valid number, a birth row."""
    texts = [compact(line.text) for line in lines]
    return any(_valid_number(t) for t in texts) + any(_BIRTH.search(t) for t in texts)


def _anchors(rows: list[Row]) -> tuple[int, int] | None:
    """Indexes of the birth row and the number row below it, the birth date matching."""
    number_at = next((i for i, r in enumerate(rows) if _valid_number(compact(r.text))), None)
    if number_at is None:
        return None
    number, _ = find_id_number([(rows[number_at].text, 1.0)])
    for i in range(number_at - 1, -1, -1):
        text = compact(rows[i].text)
        if _BIRTH.search(text) and parse_date(text) == birth_date_of(number):
            return i, number_at
    return None


def _front_by_layout(rows: list[Row]) -> Parsed | None:
    anchors = _anchors(rows)
    if anchors is None or anchors[0] < 2:
        return None
    birth_at, number_at = anchors
    found: dict[str, object] = {}
    conf: dict[str, float] = {}
    sex_row, name_row = rows[birth_at - 1], rows[birth_at - 2]
    values = name_text(compact(sex_row.text))
    sex = values[0] if values[:1] in ("男", "女") else ""
    ethnicity = _ethnicity_at_end(values[len(sex) :])
    if ethnicity:
        found["ethnicity"], conf["ethnicity"] = ethnicity, sex_row.score * POSITIONAL
    if sex:
        found["sex"], conf["sex"] = sex, sex_row.score * POSITIONAL
    name = without_label(name_text(compact(name_row.text)), "姓名")
    if name and not _sex_row_shaped(name) and not any(lb in name for lb in FRONT_LABELS):
        found["name"], conf["name"] = card_characters(name), name_row.score * POSITIONAL
    found["birth_date"] = parse_date(compact(rows[birth_at].text))
    conf["birth_date"] = rows[birth_at].score * POSITIONAL
    between = rows[birth_at + 1 : number_at]
    if 0 < len(between) <= MAX_ADDRESS_ROWS:
        parts = [address_line(compact(r.text)) for r in between]
        text = _from_province("".join(parts))
        found["address"] = card_characters(text)
        conf["address"] = min(r.value_score for r in between) * POSITIONAL
        if not text.startswith(tuple(PROVINCES.values())) or any(
            len(part) < FULL_ADDRESS_LINE for part in parts[:-1]
        ):
            conf["address"] /= 2  # its start or a wrapped line's end was lost (glare, an edge)
    return Parsed(fields=parse_front([]).fields.model_copy(update=found), confidence=conf)


def without_label(text: str, label: str) -> str:
    """`text` without a misread `label` in front of it: as many leading characters as the
    label has, when at least half of them are the label's own, in place (「签发祝关…」)."""
    head = text[: len(label)]
    same = sum(a == b for a, b in zip(head, label, strict=False))
    rest = text[len(label) :]
    return rest if same * 2 >= len(label) and len(rest) >= 2 else text  # 李名扬 stays


def _sex_row_shaped(text: str) -> bool:
    """「男维吾尔」: the 性别 + 民族 row, which a missed row would otherwise put in the name's
    place."""
    return text[:1] in ("男", "女") and bool(_ethnicity_at_end(text[1:]))


def _ethnicity_at_end(text: str) -> str:
    """The 民族 value is the last thing on its row; before it may stand its label, misread."""
    for name in sorted(CARD_NAMES.values(), key=len, reverse=True):
        if simplified(text).endswith(name):
            return name
    return normalize_ethnicity(text)


def _from_province(address: str) -> str:
    """A card's address begins with its province; what stands before it, up to a label's width,
    is the 住址 label misread (「住耻」)."""
    starts = [address.find(name) for name in PROVINCES.values() if 0 < address.find(name) <= 3]
    return address[min(starts) :] if starts else address


def _issuer_by_layout(rows: list[Row]) -> tuple[str, float]:
    for i, row in enumerate(rows):
        if i > 0 and _VALIDITY.search(compact(row.text)):
            above = rows[i - 1]
            issuer = without_label(name_text(compact(above.text)), "签发机关")
            if issuer.endswith(_ISSUER_END):
                return card_characters(issuer), above.value_score * POSITIONAL
    return "", 0.0


def _filled(read: Parsed, layout: Parsed) -> Parsed:
    """`read` with the fields it has no value for taken from `layout`."""
    fields, confidence = read.fields.model_copy(), dict(read.confidence)
    for key, score in layout.confidence.items():
        if confidence.get(key, 0.0) == 0.0 and score > 0:
            setattr(fields, key, getattr(layout.fields, key))
            confidence[key] = score
    return Parsed(fields=fields, confidence=confidence)


def front_by_layout(read: Parsed, lines: list[OcrLine]) -> Parsed:
    """`read` (parse_front's) with the fields it found nothing for taken from the layout."""
    layout = _front_by_layout(rows_of(lines))
    return read if layout is None else _filled(read, layout)


def back_by_layout(read: Parsed, lines: list[OcrLine]) -> Parsed:
    if read.confidence.get("issuer", 0.0) > 0:
        return read
    issuer, score = _issuer_by_layout(rows_of(lines))
    if not issuer:
        return read
    fields = read.fields.model_copy(update={"issuer": issuer})
    return Parsed(fields=fields, confidence={**read.confidence, "issuer": score})


def read_front(lines: list[OcrLine]) -> Parsed:
    return front_by_layout(parse_front(lines), lines)


def read_back(lines: list[OcrLine]) -> Parsed:
    return back_by_layout(parse_back(lines), lines)
