"""From OCR text lines to `IdCardFields`: pure, so the tricky cases are unit-tested without a model.

OCR output is noisy in known ways: labels glued to values (「民族汉」) or split from them, digits
read as letters (0/O, 1/l, x/X), the address wrapped over several lines, a slightly rotated card
whose rows are not horizontal, and clutter text from the table around the card. Each field
carries a confidence: the weakest OCR score that contributed, halved when we had to guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from domain.card_characters import card_characters
from domain.ethnicities import CARD_NAMES, normalize_ethnicity, simplified
from domain.identity import IdCardFields, check_character

LABEL_START, NUMBER_END = 0.06, 0.86  # front layout, fractions of the card width
PORTRAIT_START = 0.62  # the portrait's left edge (≈ 0.64): no value begins right of it
HOLE = 2.0  # a gap wider than this many box heights inside one value
FULL_ADDRESS_LINE = 9  # the card wraps the address at 11 characters; fewer means text was lost
FRONT_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
BACK_LABELS = ("中华人民共和国", "居民身份证", "居住证", "签发机关", "有效期限")
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "!": "1",
     "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6", "x": "X", "×": "X",
     "Х": "X", "χ": "X"}
)  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff·]+")
# Transliterated names print a middle dot (阿依古丽·买买提); OCR returns it as one of its
# lookalikes (the katakana 「・」, a bullet, a period …), which would drop it from the name.
_NAME_DOT = re.compile(r"(?<=[\u4e00-\u9fff])[・･•‧∙⋅.．。](?=[\u4e00-\u9fff])")
# 性别's one-character value, after its label, before 民族 or alone; OCR often puts a mark read in
# the gap between them in front of it (「性别」女」, 「:男」), so up to two non-CJK characters may.
_MARK = r"[^\u4e00-\u9fff]{0,2}"
_SEX = re.compile(rf"性别{_MARK}([男女])|^{_MARK}([男女]){_MARK}民族|^{_MARK}([男女]){_MARK}$")
_DATE = re.compile(r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})")


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[tuple[float, float], ...]  # 4 corners, clockwise from top-left

    @property
    def angle(self) -> float:
        (x0, y0), (x1, y1) = self.box[0], self.box[1]
        return math.atan2(y1 - y0, x1 - x0)

    @property
    def width(self) -> float:
        return math.dist(self.box[0], self.box[1])

    @property
    def height(self) -> float:
        return math.dist(self.box[1], self.box[2])


@dataclass
class Row:
    y: float
    lines: list[tuple[float, OcrLine]] = field(default_factory=list)  # (deskewed x, line)

    @property
    def text(self) -> str:
        """The boxes left to right; where a box begins inside the one before with the characters
        that one ends with, they are read once (`_read_twice`)."""
        ordered = sorted(self.lines, key=lambda p: p[0])
        text = ""
        for i, (x, line) in enumerate(ordered):
            if i == 0:
                text = line.text
                continue
            before_x, before = ordered[i - 1]
            shared = before_x + before.width - x
            text += line.text[_read_twice(before.text, line.text, shared, line.width) :]
        return text

    @property
    def score(self) -> float:
        return min(line.score for _, line in self.lines)

    @property
    def value_score(self) -> float:
        """The score of the label's box and what follows it, halved when the value has a hole:
        two of its boxes far apart on one printed line (a glare spot erased the text between
        them; cards print no such gaps). Boxes before the label are not the value: print
        beside the card (a form it lies on) stands level with its rows."""
        kept = self.from_label()
        boxes = [
            (x, line) for x, line in kept if compact(line.text) not in FRONT_LABELS + BACK_LABELS
        ]
        score = min(line.score for _, line in kept)
        for (x, line), (next_x, other) in zip(boxes, boxes[1:], strict=False):
            if _hole(x, line, next_x, other):
                return score / 2
        return score

    def from_label(self) -> list[tuple[float, OcrLine]]:
        """The boxes left to right from the first that holds a label (all when none does)."""
        ordered = sorted(self.lines, key=lambda p: p[0])
        for i, (_, line) in enumerate(ordered):
            if any(label in compact(line.text) for label in FRONT_LABELS + BACK_LABELS):
                return ordered[i:]
        return ordered


def _hole(x: float, line: OcrLine, next_x: float, other: OcrLine) -> bool:
    return next_x - (x + line.width) > HOLE * max(line.height, other.height)


@dataclass
class Parsed:
    fields: IdCardFields
    confidence: dict[str, float]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def label_hits(lines: list[OcrLine], labels: tuple[str, ...]) -> int:
    joined = compact("".join(line.text for line in lines))
    return sum(label in joined for label in labels)


def card_angle(lines: list[OcrLine]) -> float:
    """Median slope of the long text boxes: the card's rotation."""
    long = [line.angle for line in lines if line.width > 2.5 * line.height]
    return median(long) if long else 0.0


def rows_of(lines: list[OcrLine]) -> list[Row]:
    """Group boxes into printed rows after undoing the card's rotation."""
    if not lines:
        return []
    theta = -card_angle(lines)
    cos, sin = math.cos(theta), math.sin(theta)
    tolerance = 0.8 * median(line.height for line in lines)
    placed = []
    for line in lines:
        cx = sum(p[0] for p in line.box) / 4
        cy = sum(p[1] for p in line.box) / 4
        x, y = cx * cos - cy * sin, cx * sin + cy * cos
        placed.append((y, x - line.width / 2, line))
    rows: list[Row] = []
    for y, left, line in sorted(placed, key=lambda p: p[0]):
        # The nearest row within tolerance that has no box over the same stretch of the line:
        # two boxes one above the other are two rows, however close perspective brings them.
        free = [
            r
            for r in rows
            if abs(r.y - y) < tolerance
            and not any(_overlap(left, line.width, x, other.width) for x, other in r.lines)
        ]
        row = min(free, key=lambda r: abs(r.y - y), default=None)
        if row is None:
            rows.append(Row(y=y, lines=[(left, line)]))
        else:
            row.lines.append((left, line))
    return sorted(rows, key=lambda r: r.y)


def _read_twice(before: str, text: str, shared: float, width: float) -> int:
    """How many leading characters of `text` repeat the end of `before` within the `shared`
    stretch of the two boxes (px): print the detector cut twice. A character's width is its share
    of its box, wide (CJK) characters counting two narrow ones; it counts as shared when its
    middle is. Only a repeat is dropped: boxes of a label and its value overlap by as much where
    the detector drew the label's box wide (「有效期限」 over the 2 of 「2025.10.17-…」)."""
    if shared <= 0 or not text:
        return 0
    units = [2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text]
    unit_px = width / sum(units)
    repeated, covered = 0, 0.0
    for n, u in enumerate(units, start=1):
        if covered + u * unit_px / 2 > shared:
            break
        covered += u * unit_px
        if before.endswith(text[:n]):
            repeated = n
    return repeated


def _overlap(left: float, width: float, other_left: float, other_width: float) -> bool:
    shared = min(left + width, other_left + other_width) - max(left, other_left)
    return shared > 0.3 * min(width, other_width)


def _after(text: str, label: str) -> str:
    return text.split(label, 1)[1] if label in text else ""


def normalize_number(text: str) -> str:
    """Digits from OCR text where letters stand in for digits; the final X is kept. Full-width
    forms (「１」, 「Ｘ」, which OCR returns at times) count as their ASCII digit or letter."""
    folded = unicodedata.normalize("NFKC", compact(text))
    return re.sub(r"[^0-9X]", "", folded.translate(_DIGIT_LOOKALIKES))


def find_id_number(candidates: list[tuple[str, float]]) -> tuple[str, float]:
    """The 18-character number among the candidates; one whose check character fits wins."""
    best = ("", 0.0)
    for text, score in candidates:
        digits = normalize_number(_after(compact(text), "号码") or text)
        windows = [digits[i : i + 18] for i in range(max(len(digits) - 17, 0))]
        for number in windows:
            if "X" in number[:17]:
                continue
            if check_character(number[:17]) == number[17]:
                return number, score
            guess = score / 2 if len(digits) == 18 else score / 4
            best = max(best, (number, guess), key=lambda pair: pair[1])
    return best


def parse_date(text: str) -> date | None:
    match = _DATE.search(normalize_number(text) if "年" not in text else re.sub(r"\s", "", text))
    if match is None:
        digits = normalize_number(text)
        match = re.match(r"(\d{4})(\d{2})(\d{2})", digits)
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def closest_ethnicity(raw: str) -> tuple[str, bool]:
    """The printed 民族, snapped to the 56 when OCR dropped or swapped one character."""
    normal = normalize_ethnicity(raw)
    if normal:
        return normal, True
    for name in sorted(CARD_NAMES.values(), key=len, reverse=True):
        if name in simplified(raw):
            return name, False
    return raw, False


def _misread_ethnicity(text: str) -> str:
    """The 民族 after its label misread (「长族汉」: a photocopy's broken 民): two characters, one
    of them the label's own in place, then a value that is exactly one of the 56 and ends the
    row. Asked only of the 性别 row."""
    for i in range(len(text) - 2):
        if sum(a == b for a, b in zip(text[i : i + 2], "民族", strict=True)) == 1:
            value = normalize_ethnicity("".join(_CJK.findall(text[i + 2 :])))
            if value:
                return value
    return ""


def within_card(rows: list[Row]) -> list[Row]:
    """Drop table clutter beside the card. On the card the labels start at 6 % of its width and
    the number ends near 86 %, so the two give the card's extent in any photo."""
    label_lefts = [
        x for row in rows for x, line in row.lines if compact(line.text).startswith(FRONT_LABELS)
    ]
    number_ends = [
        x + line.width
        for row in rows
        for x, line in row.lines
        if len(normalize_number(line.text)) >= 15
    ]
    if not label_lefts or not number_ends:
        return rows
    left = median(label_lefts)
    card = (max(number_ends) - left) / (NUMBER_END - LABEL_START)
    low, high = left - 0.04 * card, left + (1 - LABEL_START) * card
    # beside the portrait, above the number, no value begins: what does is the portrait's own
    # shapes or print around the card (a form it lies on), not the end of a name or an address
    portrait = left + (PORTRAIT_START - LABEL_START) * card
    number_y = min(row.y for row in rows if len(normalize_number(row.text)) >= 15)
    kept = []
    for row in rows:
        end = portrait if row.y < number_y - row_height(row) else high
        row.lines = [
            (x, line) for x, line in row.lines if low <= x < end and x + line.width / 2 <= high
        ]
        if row.lines:
            kept.append(row)
    return kept


def row_height(row: Row) -> float:
    return max(line.height for _, line in row.lines)


def name_text(text: str) -> str:
    """The name's characters in `text`, its middle dot restored."""
    return "".join(_CJK.findall(_NAME_DOT.sub("·", text)))


_LATIN_EDGES = re.compile(r"([A-Za-z.,:;]*)(.*?)([A-Za-z.,:;]*)")
# A block letter stands next to a number or a building word: 「B座」, 「A3栋」, 「983号C」.
_BLOCK_NEIGHBOURS = set("0123456789号栋幢座楼区单元室")


def address_line(text: str) -> str:
    """One printed address line without the clutter OCR glues to its ends (「Receipt」, a
    stray 「l」, 「C」 or period); a lone capital beside a number or a building word is the
    address's block letter and stays."""
    match = _LATIN_EDGES.fullmatch(text)
    if match is None or not match[2]:
        return ""
    lead, body, tail = match.groups()
    return _block_letter(lead, body[0]) + body + _block_letter(tail, body[-1])


def _block_letter(edge: str, beside: str) -> str:
    return edge if re.fullmatch("[A-Z]", edge) and beside in _BLOCK_NEIGHBOURS else ""


POSITIONAL = 0.75  # a value found by where it sits, its label unread: legible, to be confirmed


def _name_by_position(rows: list[Row]) -> tuple[str, float]:
    """No 姓名 label read (washed out, it is printed in pale blue): the name is the unlabelled
    row just above the first of the 性别 / 民族 / 出生 rows, without what is left of its label."""
    for index, row in enumerate(rows):
        text = compact(row.text)
        if any(label in text for label in ("性别", "民族", "出生")) and index > 0:
            above = rows[index - 1]
            name = name_without_label(above, _label_column(rows))
            if name and not any(label in compact(above.text) for label in FRONT_LABELS):
                return name, above.score * POSITIONAL
            break
    return "", 0.0


def _label_column(rows: list[Row]) -> float | None:
    """Where the labels read begin (deskewed x): every front label is printed there."""
    lefts = [
        x for row in rows for x, line in row.lines if compact(line.text).startswith(FRONT_LABELS)
    ]
    return median(lefts) if lefts else None


def name_without_label(row: Row, label_column: float | None) -> str:
    """The name on a row whose 姓名 label was misread (「连名」, 「性名」, 「姓」). A box of at most
    two characters standing in the labels' column, with more of the row after it, is the label;
    in a box that runs on into the value, a leading 姓, or two characters whose second is 名,
    are — when at least two characters are left (李名扬 stays)."""
    boxes = sorted(row.lines, key=lambda pair: pair[0])
    x, first = boxes[0]
    if (
        label_column is not None
        and len(boxes) > 1
        and len(compact(first.text)) <= 2
        and abs(x - label_column) < first.height
    ):
        boxes = boxes[1:]
    text = name_text(compact("".join(line.text for _, line in boxes)))
    for cut in (2, 1):
        label_like = text[1:2] == "名" if cut == 2 else text[:1] == "姓"
        if label_like and len(text) - cut >= 2:
            return text[cut:]
    return text


def _unlabelled_neighbour(rows: list[Row], row: Row) -> tuple[str, float]:
    index = rows.index(row)
    for other in rows[max(index - 1, 0) : index + 2]:
        text = compact(other.text)
        if other is not row and not any(label in text for label in FRONT_LABELS):
            name = name_text(text)
            if name:
                return name, other.score * POSITIONAL
    return "", 0.0


def parse_front(lines: list[OcrLine]) -> Parsed:
    rows = within_card(rows_of(lines))
    found: dict[str, str] = {}
    conf: dict[str, float] = {}
    address: list[str] = []
    in_address = False
    for row in rows:
        text = compact(row.text)
        if "身份号码" in text or len(normalize_number(text)) >= 15 or len(address) == 4:
            in_address = False
        elif "住址" in text:
            in_address = True
            rest = address_line(_after(text, "住址"))
            address.extend([rest] if len(rest) > 1 else [])
            conf["address"] = row.value_score
            continue
        elif in_address:
            address.append(address_line(text))
            conf["address"] = min(conf["address"], row.value_score)
            continue
        if "姓名" in text:
            found["name"] = name_text(_after(text, "姓名"))
            conf["name"] = row.value_score
            if not found["name"]:  # the value fell into a row of its own, just above or below
                found["name"], conf["name"] = _unlabelled_neighbour(rows, row)
        sex = _SEX.search(text)
        if sex and not found.get("sex"):
            found["sex"] = next(g for g in sex.groups() if g)
            conf["sex"] = row.score
        if "民族" in text:
            raw = "".join(_CJK.findall(_after(text, "民族")))
            found["ethnicity"], exact = closest_ethnicity(raw)
            conf["ethnicity"] = row.score if exact else row.score / 2
        elif ("性别" in text or sex) and not conf.get("ethnicity") and _misread_ethnicity(text):
            found["ethnicity"] = _misread_ethnicity(text)
            conf["ethnicity"] = row.score * POSITIONAL
        if "出生" in text:
            found["birth"] = _after(text, "出生")
            conf["birth_date"] = row.score
    if not found.get("name"):
        found["name"], conf["name"] = _name_by_position(rows)
    if any(len(part) < FULL_ADDRESS_LINE for part in address[:-1]):
        conf["address"] /= 2  # a wrapped line cut short: glare or the edge took its end
    number, number_conf = find_id_number([(r.text, r.score) for r in rows])
    conf["id_number"] = number_conf
    birth = parse_date(found.get("birth", ""))
    if birth is None:
        conf["birth_date"] = 0.0
    fields = IdCardFields(
        name=card_characters(found.get("name", "")),
        sex=found.get("sex", ""),
        ethnicity=found.get("ethnicity", ""),
        birth_date=birth,
        address=card_characters("".join(address)),
        id_number=number,
    )
    for key in ("name", "sex", "ethnicity", "birth_date", "address"):
        conf.setdefault(key, 0.0)
    return Parsed(fields=fields, confidence=conf)


def parse_back(lines: list[OcrLine]) -> Parsed:
    issuer, valid_from, valid_until, long_term = "", None, None, False
    conf = {"issuer": 0.0, "validity": 0.0}
    for row in rows_of(lines):
        text = compact(row.text)
        if "签发机关" in text:
            row = _issuer_alone(row)
            issuer = "".join(_CJK.findall(_after(compact(row.text), "签发机关")))
            conf["issuer"] = row.value_score if issuer else 0.0
        if "有效期限" in text or re.search(r"\d{4}\D?\d{2}\D?\d{2}\D+(\d{4}|长)", text):
            value = re.sub("[—–一~～_]", "-", _after(text, "有效期限") or text)
            start, _, end = value.partition("-") if "-" in value else (value[:10], "", value[10:])
            begins = parse_date(start)
            ends = parse_date(end)  # a date read is the date, whatever follows it
            endless = ends is None and ("长" in end or "期" in end)
            ok = begins is not None and (endless or ends is not None)
            # a row with the label and no dates (the dates grouped into a row of their own, the
            # label's box drawn over them) does not undo the dates read on another row
            if ok or not conf["validity"]:
                valid_from, valid_until, long_term = begins, ends, endless
                conf["validity"] = row.score if ok else 0.0
    fields = IdCardFields(
        issuer=card_characters(issuer),
        valid_from=valid_from,
        valid_until=valid_until,
        long_term=long_term,
    )
    return Parsed(fields=fields, confidence=conf)


ISSUER_ENDS = ("公安局", "分局")  # every issuing authority is a public security bureau


def _issuer_alone(row: Row) -> Row:
    """The issuer's row up to the end of a whole issuer: a box that stands beyond a hole after
    text ending in 公安局 / 分局 is print beside the card (a form it lies on), not the issuer.
    A hole before the issuer is complete still counts against it (`value_score`)."""
    boxes = row.from_label()
    for i, ((x, line), (next_x, other)) in enumerate(zip(boxes, boxes[1:], strict=False)):
        so_far = "".join(_CJK.findall(_after(compact(Row(row.y, boxes[: i + 1]).text), "签发机关")))
        if _hole(x, line, next_x, other) and so_far.endswith(ISSUER_ENDS):
            return Row(row.y, boxes[: i + 1])
    return Row(row.y, boxes)


_ATTRIBUTES = {"validity": ("valid_from", "valid_until", "long_term")}


def best_reading(first: Parsed, second: Parsed) -> Parsed:
    """Field by field, the more confident of two readings of the same side."""
    fields, confidence = first.fields.model_copy(), dict(first.confidence)
    for key, score in second.confidence.items():
        if score > confidence.get(key, 0.0):
            confidence[key] = score
            for attr in _ATTRIBUTES.get(key, (key,)):
                setattr(fields, attr, getattr(second.fields, attr))
    return Parsed(fields=fields, confidence=confidence)
