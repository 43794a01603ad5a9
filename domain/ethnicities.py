"""The 56 民族 of GB/T 3304 (code → name). One list for the ID-card check and the code tables.

ID cards print the name without the trailing 「族」 (「汉」, 「维吾尔」); `ethnicity_code` accepts
both spellings, and `normalize_ethnicity` brings what OCR or a candidate wrote — traditional
characters (漢, 維吾爾), old or variant names (僮 → 壮, 傜 → 瑶, 佧佤 → 佤), with or without 族 —
to the GB 3304 name as the card prints it.
"""

from __future__ import annotations

ETHNICITIES: dict[str, str] = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族",
    "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族",
    "19": "黎族", "20": "傈僳族", "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族",
    "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族",
    "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族", "41": "塔吉克族", "42": "怒族",
    "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族", "46": "德昂族", "47": "保安族",
    "48": "裕固族", "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族",
    "53": "赫哲族", "54": "门巴族", "55": "珞巴族", "56": "基诺族",
}  # fmt: skip

# As printed on the card: 「汉」, 「蒙古」 …
CARD_NAMES: dict[str, str] = {code: name.removesuffix("族") for code, name in ETHNICITIES.items()}
_BY_CARD_NAME = {short: code for code, short in CARD_NAMES.items()}

# Traditional (and Japanese/variant) forms of the characters in the 56 names → simplified.
_TRADITIONAL = str.maketrans(
    {"漢": "汉", "維": "维", "爾": "尔", "壯": "壮", "鮮": "鲜", "滿": "满",
     "薩": "萨", "東": "东", "鄉": "乡", "納": "纳", "頗": "颇", "達": "达", "錫": "锡",
     "烏": "乌", "別": "别", "羅": "罗", "溫": "温", "獨": "独", "龍": "龙", "倫": "伦",
     "門": "门", "諾": "诺", "傜": "瑶", "猺": "瑶", "彞": "彝", "彛": "彝", "畬": "畲",
     "剋": "克"}
)  # fmt: skip
# Names used before the State Council's renamings, still on old records and in people's mouths.
_OLD_NAMES = {"僮": "壮", "佧佤": "佤", "卡佤": "佤", "毛难": "毛南", "达呼尔": "达斡尔",
              "崩龙": "德昂", "猓猡": "彝", "倮倮": "彝"}  # fmt: skip


def simplified(text: str) -> str:
    return "".join(text.split()).translate(_TRADITIONAL)


def normalize_ethnicity(raw: str) -> str:
    """The card name (「汉」) of a 民族 written any common way, or "" when it is none of the 56."""
    cleaned = simplified(raw)
    for text in (cleaned, cleaned.removesuffix("族")):
        text = _OLD_NAMES.get(text, text)
        if text in _BY_CARD_NAME:
            return text
    return ""


def ethnicity_code(name: str) -> str | None:
    """GB/T 3304 code of a 民族 printed on the card (「汉」) or in full (「汉族」), in simplified,
    traditional or an old form; None when it is none of the 56."""
    normal = normalize_ethnicity(name)
    return _BY_CARD_NAME[normal] if normal else None
