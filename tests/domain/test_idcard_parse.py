from datetime import date

from domain.idcard_layout import front_marks, read_back, read_front
from domain.idcard_parse import (
    BACK_LABELS,
    FRONT_LABELS,
    OcrLine,
    label_hits,
    normalize_number,
    parse_back,
    parse_front,
)
from domain.identity import check_character

NUMBER = "43010219900102123" + check_character("43010219900102123")


def line(text: str, x: float, y: float, score: float = 0.99, h: float = 30, slope: float = 0.0):
    """A box of `text` with top-left (x, y); `slope` tilts it like a rotated card."""
    w = 32 * len(text)
    return OcrLine(
        text, score, ((x, y), (x + w, y + slope * w), (x + w, y + h + slope * w), (x, y + h))
    )


def front_lines(slope: float = 0.0, **overrides) -> list[OcrLine]:
    rows = {
        "name": [("姓名", 60, 90), ("张三丰", 180, 88)],
        "sex": [("性别男", 60, 168), ("民族汉", 330, 168)],
        "birth": [("出生", 60, 246), ("1990年1月2日", 180, 246)],
        "addr1": [("住址", 60, 324), ("湖南省长沙市芙蓉区五一", 180, 324)],
        "addr2": [("大道100号", 180, 374)],
        "number": [("公民身份号码", 60, 520), (NUMBER, 300, 514)],
    }
    rows.update(overrides)
    return [
        line(t, x, y + slope * x, *score, slope=slope)
        for items in rows.values()
        for t, x, y, *score in items
    ]


def test_clean_front_is_read_field_by_field():
    parsed = parse_front(front_lines())
    f = parsed.fields
    assert (f.name, f.sex, f.ethnicity, f.birth_date) == ("张三丰", "男", "汉", date(1990, 1, 2))
    assert f.address == "湖南省长沙市芙蓉区五一大道100号"
    assert f.id_number == NUMBER
    assert min(parsed.confidence.values()) > 0.9


def test_rotated_card_rows_are_still_grouped():
    f = parse_front(front_lines(slope=0.07)).fields
    assert (f.name, f.sex, f.ethnicity, f.id_number) == ("张三丰", "男", "汉", NUMBER)
    assert f.address.startswith("湖南省长沙市")


def test_labels_split_from_or_glued_to_values():
    lines = front_lines(
        name=[("姓名张三丰", 60, 90)],
        sex=[("性别", 60, 168), ("男", 180, 168), ("民族", 330, 168), ("土家", 430, 168)],
        number=[("公民身份号码" + NUMBER, 60, 520)],
    )
    f = parse_front(lines).fields
    assert (f.name, f.sex, f.ethnicity, f.id_number) == ("张三丰", "男", "土家", NUMBER)


def test_letters_read_for_digits_are_repaired():
    noisy = NUMBER.replace("0", "O").replace("1", "l")
    assert normalize_number(noisy) == NUMBER
    assert normalize_number("11010519491231002x") == "11010519491231002X"
    f = parse_front(front_lines(number=[("公民身份号码", 60, 520), (noisy, 300, 514)])).fields
    assert f.id_number == NUMBER


def test_number_with_wrong_check_character_is_kept_with_low_confidence():
    wrong = NUMBER[:17] + ("1" if NUMBER[17] != "1" else "2")
    parsed = parse_front(front_lines(number=[("公民身份号码", 60, 520), (wrong, 300, 514, 0.98)]))
    assert parsed.fields.id_number == wrong
    assert parsed.confidence["id_number"] < 0.5


def test_clutter_beside_the_card_is_ignored():
    lines = front_lines() + [line("TOTAL 38.50", 1400, 330)]
    assert parse_front(lines).fields.address == "湖南省长沙市芙蓉区五一大道100号"


def test_unreadable_ethnicity_gets_low_confidence():
    parsed = parse_front(front_lines(sex=[("性别男", 60, 168), ("民族汊", 330, 168)]))
    assert parsed.confidence["ethnicity"] < 0.6


def test_back_with_dates_and_long_term():
    lines = [
        line("中华人民共和国", 310, 95),
        line("居民身份证", 330, 185),
        line("签发机关", 200, 440),
        line("长沙市公安局芙蓉分局", 360, 436),
        line("有效期限", 200, 520),
        line("2015.01.02-2035.01.02", 360, 516),
    ]
    f = parse_back(lines).fields
    assert f.issuer == "长沙市公安局芙蓉分局"
    assert (f.valid_from, f.valid_until, f.long_term) == (date(2015, 1, 2), date(2035, 1, 2), False)
    lines[-1] = line("2006.05.01一长期", 360, 516)
    f = parse_back(lines).fields
    assert (f.valid_from, f.valid_until, f.long_term) == (date(2006, 5, 1), None, True)


def test_sides_are_told_apart_by_their_labels():
    front = front_lines()
    back = [
        line("中华人民共和国", 310, 95),
        line("居民身份证", 330, 185),
        line("有效期限", 200, 520),
    ]
    assert label_hits(front, FRONT_LABELS) > label_hits(front, BACK_LABELS)
    assert label_hits(back, BACK_LABELS) > label_hits(back, FRONT_LABELS)


def test_number_glued_to_clutter_is_still_found():
    f = parse_front(front_lines(number=[("公民身份号码", 60, 520), (NUMBER + "ceipt", 300, 514)]))
    assert f.fields.id_number == NUMBER


def test_value_in_a_row_of_its_own_is_still_found():
    lines = front_lines(name=[("姓名", 60, 90), ("张三丰", 180, 40)])
    parsed = parse_front(lines)
    assert parsed.fields.name == "张三丰" and parsed.confidence["name"] < 0.9


def test_sex_behind_a_stray_mark_is_still_read():
    # PP-OCR reads the gap between the label and a one-character value as a mark: 「」女」, 「:男」
    split = [("性别", 60, 168), ("」女", 150, 168), ("民族汉", 330, 168)]
    for sex, expected in ((split, "女"), ([("性别:男民族汉", 60, 168)], "男")):
        parsed = parse_front(front_lines(sex=sex))
        assert parsed.fields.sex == expected
        assert parsed.confidence["sex"] > 0.9


def test_a_transliterated_name_keeps_its_middle_dot():
    # the card prints U+00B7; PP-OCR returns the katakana dot, a bullet or a period for it
    for dot in ("·", "・", "•", "."):
        name = [("姓名", 60, 90), (f"阿依古丽{dot}买买提", 180, 88)]
        assert parse_front(front_lines(name=name)).fields.name == "阿依古丽·买买提"
    glued = parse_front(front_lines(name=[("姓名热依拉・艾力", 60, 90)]))
    assert glued.fields.name == "热依拉·艾力"


def test_a_block_letter_at_either_end_of_an_address_line_is_kept():
    for second, third, address in (
        ("南路12号", "B座1203室", "湖南省长沙市岳麓区麓山南路12号B座1203室"),
        ("南路12号3栋A", "单元501室", "湖南省长沙市岳麓区麓山南路12号3栋A单元501室"),
    ):
        lines = front_lines(
            addr1=[("住址", 60, 324), ("湖南省长沙市岳麓区麓山", 180, 324)],
            addr2=[(second, 180, 374), (third, 180, 424)],
        )
        assert parse_front(lines).fields.address == address
    for clutter in ("大道100号Receipt", "大道100号l", "C大道100号"):  # a capital beside no number
        lines = front_lines(addr2=[(clutter, 180, 374)])
        assert parse_front(lines).fields.address == "湖南省长沙市芙蓉区五一大道100号"


def test_characters_read_in_another_script_come_back_in_the_cards_simplified_form():
    # what PP-OCR returned for cards printed in a TC or JP face (the third generator's held-out
    # split): the card prints 瑶, 门, 黄
    lines = front_lines(
        name=[("姓名", 60, 90), ("黃詩瑤", 180, 88)],
        addr1=[("住址", 60, 324), ("湖南省長沙市開福區", 180, 324)],
        addr2=[("東門路100號", 180, 374)],
    )
    f = parse_front(lines).fields
    assert (f.name, f.address) == ("黄诗瑶", "湖南省长沙市开福区东门路100号")
    back = parse_back([line("签发机关長沙市公安局開福分局", 60, 400)])
    assert back.fields.issuer == "长沙市公安局开福分局"


def test_characters_of_the_cards_own_set_stay_as_read():
    # 乾, 於, 後 are GB 2312 characters of their own (a phrase-level converter turns 乾 into 干);
    # 堃, 喆, 祎 are rare simplified name characters; the 通用规范汉字表 keeps 昇, 陞 for names
    for name in ("乾坤", "於梅", "後鑫", "王堃", "李喆", "张祎", "林昇", "陈陞", "阿依古丽·买买提"):
        lines = front_lines(name=[("姓名", 60, 90), (name, 180, 88)])
        assert parse_front(lines).fields.name == name


def box(text: str, left: float, right: float, y: float, h: float = 30) -> OcrLine:
    return OcrLine(text, 0.95, ((left, y), (right, y), (right, y + h), (left, y + h)))


def test_print_the_detector_cut_twice_is_read_once():
    """A fourth generator's card (4000079): the date row came back as 「1975」 and 「5年5月31日」,
    the second box starting inside the first over the same 5; joined as it came it read
    1975-05-05 and the card was refused for a birth date its number contradicts."""
    birth = [box("出生", 60, 124, 246), box("1975", 347, 428, 246)]
    birth.append(box("5年5月31日", 413, 633, 246))
    assert parse_front(front_lines(birth=[]) + birth).fields.birth_date == date(1975, 5, 31)


def test_a_label_box_drawn_over_its_value_takes_nothing_from_it():
    """The third generator's card 1018: the detector drew 「有效期限」 wide, over the 2 of its
    value; a character not repeated is the value's own."""
    lines = [
        box("中华人民共和国", 575, 916, 361),
        box("居民身份证", 573, 987, 437),
        box("签发机关 祁东县公安局", 452, 771, 636),
        box("有效期限", 455, 593, 696),
        box("2025.10.17-2035.10.17", 575, 904, 696),
    ]
    assert parse_back(lines).fields.valid_from == date(2025, 10, 17)


def test_boxes_side_by_side_keep_every_character():
    """Only characters whose middle lies inside the box before are read once: boxes that touch
    or overlap by less than half a character keep everything, a repeated character too."""
    address = [
        box("住址", 60, 124, 324),
        box("湖南省长沙市五一路", 180, 468, 324),
        box("路口100号", 470, 662, 324),
    ]
    lines = front_lines(addr1=[], addr2=[]) + address
    assert parse_front(lines).fields.address == "湖南省长沙市五一路路口100号"
    overlapping = [box("住址", 60, 124, 324), box("湖南省长沙市", 180, 372, 324)]
    overlapping.append(box("芙蓉区", 360, 456, 324))  # 12 px of a 32-px character inside
    lines = front_lines(addr1=[], addr2=[]) + overlapping
    assert parse_front(lines).fields.address == "湖南省长沙市芙蓉区"


def test_a_front_whose_labels_were_lost_is_read_by_where_its_values_stand():
    """A photocopy or a worn card loses the pale-blue labels; the values are read, placed by
    the number and the birth row that matches it, and flagged for the candidate to confirm."""
    lines = [
        line("张三丰", 180, 88),
        line("男汉", 180, 168),
        line("1990年1月2日", 180, 246),
        line("湖南省长沙市芙蓉区五一", 180, 324),
        line("大道100号", 180, 374),
        line(NUMBER, 300, 514),
    ]
    parsed = read_front(lines)
    f = parsed.fields
    assert (f.name, f.sex, f.ethnicity, f.birth_date) == ("张三丰", "男", "汉", date(1990, 1, 2))
    assert (f.address, f.id_number) == ("湖南省长沙市芙蓉区五一大道100号", NUMBER)
    assert 0.5 <= parsed.confidence["name"] < 0.8  # legible, to be confirmed
    assert front_marks(lines) == 2


def test_the_layout_needs_a_birth_row_that_matches_the_number():
    lines = [
        line("张三丰", 180, 88),
        line("男汉", 180, 168),
        line("1991年1月2日", 180, 246),
        line("湖南省长沙市芙蓉区五一", 180, 324),
        line(NUMBER, 300, 514),
    ]
    assert read_front(lines).fields.name == ""


def test_a_label_read_keeps_its_value():
    parsed = read_front(front_lines())
    assert parsed.fields.name == "张三丰" and parsed.confidence["name"] > 0.9


def test_a_back_whose_issuer_label_was_lost_takes_the_row_above_the_validity():
    lines = [
        line("中华人民共和国", 300, 60),
        line("居民身份证", 260, 150),
        line("长沙市公安局芙蓉分局", 350, 440),
        line("有效期限", 170, 520),
        line("2015.06.02-长期", 350, 520),
    ]
    parsed = read_back(lines)
    assert parsed.fields.issuer == "长沙市公安局芙蓉分局"
    assert 0.5 <= parsed.confidence["issuer"] < 0.8
    assert parsed.fields.long_term


def test_a_misread_label_left_on_an_unlabelled_row_is_not_part_of_the_value():
    lines = [
        line("郑俊贤", 180, 88),
        line("男氏族朝鲜", 180, 168),
        line("1990年1月2日", 180, 246),
        line("住耻湖南省长沙市芙蓉区五一", 120, 324),
        line("大道100号", 180, 374),
        line(NUMBER, 300, 514),
    ]
    f = read_front(lines).fields
    assert (f.ethnicity, f.address) == ("朝鲜", "湖南省长沙市芙蓉区五一大道100号")


def test_a_misread_issuer_label_is_not_part_of_the_issuer():
    lines = [
        line("签发祝关衡阳市公安局珠晖分局", 170, 440),
        line("2015.06.02-2035.06.02", 350, 520),
    ]
    assert read_back(lines).fields.issuer == "衡阳市公安局珠晖分局"


def test_an_address_that_lost_its_start_or_a_lines_end_is_not_taken_by_position():
    """Hard 950001: glare took 住址 and part of the address; the rows left are no address."""
    for first, second in (("北省武汉市洪山区五一大", "道730号"), ("湖南省长沙市芙蓉", "大道100号")):
        lines = [
            line("张三丰", 180, 88),
            line("男汉", 180, 168),
            line("1990年1月2日", 180, 246),
            line(first, 180, 324),
            line(second, 180, 374),
            line(NUMBER, 300, 514),
        ]
        assert read_front(lines).confidence["address"] < 0.5


def test_a_positional_name_is_neither_the_sex_row_nor_cut_short():
    def name_of(first: str, second: str) -> str:
        lines = [
            line(first, 180, 88),
            line(second, 180, 168),
            line("1990年1月2日", 180, 246),
            line("湖南省长沙市芙蓉区五一", 180, 324),
            line(NUMBER, 300, 514),
        ]
        return read_front(lines).fields.name

    assert name_of("男维吾尔", "生") == ""  # the 性别 / 民族 row, one row off
    assert name_of("李名扬", "男汉") == "李名扬"  # a 名 in a name is no label


def test_a_misread_ethnicity_label_on_the_sex_row_keeps_its_value():
    """Upload 6200009 (a photocopy): 民族 read as 「长族」 and 男 on a row of its own; the value
    after a label with one character in place that is exactly one of the 56 is the 民族, flagged
    for the candidate to confirm."""
    sex_row = [("性别", 60, 168), ("男", 180, 182), ("长族汉", 330, 168)]
    parsed = parse_front(front_lines(sex=sex_row))
    assert parsed.fields.ethnicity == "汉"
    assert 0.5 <= parsed.confidence["ethnicity"] < 0.8
    for unread in ("长旅汉", "民旅", "长族汉字"):  # no label left, no value, not one of the 56
        parsed = parse_front(front_lines(sex=[("性别男", 60, 168), (unread, 330, 168)]))
        assert parsed.confidence["ethnicity"] == 0.0, unread


def test_a_misread_name_label_is_not_part_of_a_name_found_by_position():
    """Upload 6200034: 姓名 read as 「连名」 in a box of its own in the labels' column; a box merged
    with its value (「性名贾天宇」, 「姓郭源萱」) loses the label's characters, no more."""

    def name_of(*boxes: tuple[str, int]) -> str:
        return parse_front(front_lines(name=[(text, x, 90) for text, x in boxes])).fields.name

    assert name_of(("连名", 60), ("何怡宇", 180)) == "何怡宇"
    assert name_of(("性名贾天宇", 60)) == "贾天宇"
    assert name_of(("姓郭源萱", 60)) == "郭源萱"
    assert name_of(("何怡宇", 180)) == "何怡宇"
    assert name_of(("李名扬", 180)) == "李名扬"  # a 名 in a name is no label
    assert name_of(("欧阳", 180), ("娜娜", 260)) == "欧阳娜娜"  # two boxes of one value


def test_full_width_digits_in_the_number_are_digits():
    """Seventh generator 7000040 and 7000038 (photocopies): OCR returned two of the number's ones
    as 「１」 (U+FF11); dropped as non-digits, the number failed its check character and the
    front was refused (ID_CARD_NOT_FOUND: a copy shows no label, only the number and the birth
    row place it)."""
    wide = NUMBER[:10] + "".join(chr(ord(c) + 0xFEE0) for c in NUMBER[10:12]) + NUMBER[12:]
    assert normalize_number(wide) == NUMBER
    assert (
        parse_front(
            front_lines(number=[("公民身份号码", 60, 520), (wide, 300, 514)])
        ).fields.id_number
        == NUMBER
    )
    assert front_marks([line(wide, 300, 514)]) == 1


# The eighth generator (ocr8): cards lying on a printed form, whose print stands level with the
# card's rows on either side of it.
BACK = [box("中华人民共和国", 575, 916, 361), box("居民身份证", 573, 987, 437)]


def test_print_before_the_issuer_label_is_not_a_hole_in_the_issuer():
    """Eighth 8000025: a form's line 「讯记学生考号」 left of the card on the issuer's row; the gap
    between it and the label counted as a hole in the value and halved a clean read."""
    lines = [
        *BACK,
        box("讯记学生考号", 36, 240, 636),
        box("签发机关澧县公安局", 452, 771, 636),
        box("有效期限", 455, 593, 696),
        box("2021.04.01-2031.04.01", 610, 904, 696),
    ]
    parsed = parse_back(lines)
    assert parsed.fields.issuer == "澧县公安局"
    assert parsed.confidence["issuer"] > 0.9


def test_print_past_a_whole_issuer_is_not_part_of_it():
    """Eighth 8000021 and 8000022: a form's character beyond the card read on as the issuer's
    (「沅陵县公安局号」); a hole before the issuer is whole still counts against it."""
    lines = [
        *BACK,
        box("签发机关", 452, 590, 636),
        box("沅陵县公安局", 620, 820, 636),
        box("号", 1100, 1130, 636),
        box("有效期限", 455, 593, 696),
        box("2021.04.01-2031.04.01", 610, 904, 696),
    ]
    parsed = parse_back(lines)
    assert parsed.fields.issuer == "沅陵县公安局"
    assert parsed.confidence["issuer"] > 0.9
    lines[3] = box("沅陵县", 620, 720, 636)  # glare took 公安局: the hole keeps it unsure
    lines[4] = box("公安局", 1000, 1100, 636)
    assert parse_back(lines).confidence["issuer"] < 0.5


def test_a_validity_label_alone_does_not_undo_the_dates_read():
    """Eighth 8000028: the label's box drawn over the dates put them on a row of their own; the
    label's row, read after it with a form's 「…期…」, was taken for 长期 with no start."""
    lines = [
        *BACK,
        box("签发机关", 452, 590, 636),
        box("临湘市公安局", 620, 820, 636),
        box("2010.08.31-2030.08.31", 610, 904, 690),
        box("名讯讯址专报身电系", 36, 300, 722),
        box("有效期限", 455, 640, 720),
    ]
    f = parse_back(lines).fields
    assert (f.valid_from, f.valid_until, f.long_term) == (
        date(2010, 8, 31),
        date(2030, 8, 31),
        False,
    )


def test_a_date_read_is_not_long_term():
    lines = [*BACK, box("签发机关 临湘市公安局", 452, 820, 636)]
    lines.append(box("有效期限 2010.08.31-2030.08.31期", 455, 940, 696))
    f = parse_back(lines).fields
    assert (f.valid_until, f.long_term) == (date(2030, 8, 31), False)


def test_nothing_beside_the_portrait_is_part_of_a_name():
    """Eighth 8000008: a form's 「号」 past the card's edge on the name's row was read as the
    name's end (「周红号」) and the hole before it refused the name."""
    lines = front_lines(name=[("姓名", 60, 90), ("周红", 180, 88), ("号", 900, 88)])
    parsed = parse_front(lines)
    assert parsed.fields.name == "周红"
    assert parsed.confidence["name"] > 0.9
