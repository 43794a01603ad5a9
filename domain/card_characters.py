"""The card's own forms of the characters OCR reads in another script.

A resident ID card prints simplified characters. PP-OCR reads both scripts, and returns the
traditional or Japanese form of a character when the photo's print draws it that way (瑶 → 瑤,
门 → 門, 黄 → 黃: the third generator's TC and JP faces, 2 of 60 held-out cards accepted wrong).
The candidate confirms what was read, but 瑤 and 瑶 are easy to pass over, and the office then
holds a name the card does not print.

Only characters outside GB 2312 are mapped: the simplified set of the card, all of which stay as
read (乾, 於, 後 are characters of their own in names and places: a phrase-level conversion would
turn 乾 into 干). Names may still hold rare characters outside GB 2312; these are simplified
characters OpenCC maps to nothing else (堃, 喆, 祎), and the four variants that the
通用规范汉字表 (2013) keeps as characters of their own for names (昇, 陞, 蒐, 劄) stay too.
OpenCC's character table is the source (its `t2s` configuration), read once into a translate
table, when the vision worker starts (`load_card_forms`).
"""

from __future__ import annotations

import functools

#: 通用规范汉字表 (2013) keeps these as their own characters in names, not as forms of 升, 搜, 札
RESTORED_VARIANTS = frozenset("昇陞蒐劄")
_CJK_FIRST, _CJK_LAST = 0x4E00, 0x9FFF  # CJK Unified Ideographs: where the card's text lies


def card_characters(text: str) -> str:
    """`text` with the characters read in another script put in the card's simplified form."""
    return text.translate(_card_forms())


def load_card_forms() -> None:
    """Build the table now (the vision worker's start-up): a missing OpenCC fails there, and the
    first card read does not pay for it."""
    _card_forms()


@functools.cache
def _card_forms() -> dict[int, str]:
    import opencc  # only the vision worker reads cards: workflows and the API never load it

    convert = opencc.OpenCC("t2s.json").convert
    forms: dict[int, str] = {}
    for point in range(_CJK_FIRST, _CJK_LAST + 1):
        read = chr(point)
        if read in RESTORED_VARIANTS or _in_gb2312(read):
            continue
        card = convert(read)
        if len(card) == 1 and card != read and _CJK_FIRST <= ord(card) <= _CJK_LAST:
            forms[point] = card
    return forms


def _in_gb2312(character: str) -> bool:
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
