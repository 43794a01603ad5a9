from datetime import date

import pytest

from domain.ethnicities import ETHNICITIES, ethnicity_code
from domain.identity import (
    IdCardFields,
    IdType,
    check_card,
    check_character,
    check_id_number,
    mask,
    normalize_id_number,
    sex_of,
)

TODAY = date(2026, 3, 1)


def make_number(prefix6: str, born: str, seq: str) -> str:
    body = prefix6 + born + seq
    return body + check_character(body)


MAN = make_number("430102", "19900102", "123")  # 17th digit 3: 男
WOMAN = make_number("430102", "19950615", "024")


def codes(refusals) -> set[str]:
    return {r.code for r in refusals}


def card(number: str = MAN, **changes) -> IdCardFields:
    fields = IdCardFields(
        name="李四",
        sex=sex_of(number),
        ethnicity="汉",
        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        address="湖南省长沙市芙蓉区五一大道1号",
        id_number=number,
        issuer="长沙市公安局芙蓉分局",
        valid_from=date(2020, 1, 2),
        valid_until=date(2040, 1, 2),
    )
    return fields.model_copy(update=changes)


def test_published_example_number_has_check_character_x():
    assert check_character("11010519491231002") == "X"


def test_valid_numbers_pass():
    assert check_id_number(MAN, IdType.RESIDENT_ID, TODAY) == []
    assert check_id_number(WOMAN.lower(), IdType.RESIDENT_ID, TODAY) == []


def test_wrong_check_digit_is_refused():
    wrong = MAN[:17] + ("0" if MAN[17] != "0" else "1")
    assert codes(check_id_number(wrong, IdType.RESIDENT_ID)) == {"ID_CHECK_DIGIT"}


def test_transposed_digits_are_caught_by_check_digit():
    swapped = MAN[:8] + MAN[9] + MAN[8] + MAN[10:]
    assert MAN != swapped
    assert "ID_CHECK_DIGIT" in codes(check_id_number(swapped, IdType.RESIDENT_ID))


@pytest.mark.parametrize("raw", ["43010219900102123", "4301021990010212345", "43010A199001021234"])
def test_malformed_numbers_are_refused_with_format(raw):
    assert codes(check_id_number(raw, IdType.RESIDENT_ID)) == {"ID_FORMAT"}


@pytest.mark.parametrize("prefix", ["990102", "439902", "000000"])
def test_unknown_region_is_refused(prefix):
    assert "ID_REGION" in codes(
        check_id_number(make_number(prefix, "19900102", "123"), IdType.RESIDENT_ID)
    )


@pytest.mark.parametrize("prefix", ["433101", "432302", "510212", "419001"])
def test_autonomous_and_former_prefectures_are_accepted(prefix):
    assert check_id_number(make_number(prefix, "19800102", "123"), IdType.RESIDENT_ID) == []


@pytest.mark.parametrize("born", ["19900230", "19901301", "18991231", "20300101"])
def test_impossible_birth_date_is_refused(born):
    assert codes(
        check_id_number(make_number("430102", born, "123"), IdType.RESIDENT_ID, TODAY)
    ) == {"ID_BIRTH_DATE"}


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit_numbers_follow_the_same_rules(prefix):
    good = make_number(prefix, "19920304", "051")
    assert check_id_number(good, IdType.HMT_RESIDENCE, TODAY) == []
    assert codes(check_id_number(good[:17] + "Y", IdType.HMT_RESIDENCE)) == {"ID_FORMAT"}
    bad = good[:17] + ("1" if good[17] == "0" else "0")
    assert codes(check_id_number(bad, IdType.HMT_RESIDENCE)) == {"ID_CHECK_DIGIT"}


def test_id_type_must_match_the_number():
    hmt = make_number("810000", "19920304", "051")
    assert codes(check_id_number(hmt, IdType.RESIDENT_ID)) == {"ID_TYPE_MISMATCH"}
    assert codes(check_id_number(MAN, IdType.HMT_RESIDENCE)) == {"ID_TYPE_MISMATCH"}


def test_other_documents_get_a_format_check_only():
    assert check_card(IdCardFields(), IdType.PASSPORT, "E12345678", TODAY) == []
    assert codes(check_card(IdCardFields(), IdType.PASSPORT, "E1234-5678", TODAY)) == {"DOC_FORMAT"}


def test_a_consistent_card_passes():
    assert check_card(card(), IdType.RESIDENT_ID, MAN.lower(), TODAY) == []


def test_typed_number_must_equal_the_card():
    refusals = check_card(card(), IdType.RESIDENT_ID, WOMAN, TODAY)
    assert codes(refusals) == {"ID_TYPED_MISMATCH"}
    assert MAN not in str(refusals[0].model_dump()), "refusals must not carry whole ID numbers"


def test_sex_must_match_the_17th_digit():
    assert sex_of(MAN) == "男" and sex_of(WOMAN) == "女"
    assert codes(check_card(card(sex="女"), IdType.RESIDENT_ID, MAN, TODAY)) == {"ID_SEX_MISMATCH"}


def test_birth_date_must_match_the_number():
    wrong = card(birth_date=date(1990, 1, 3))
    assert codes(check_card(wrong, IdType.RESIDENT_ID, MAN, TODAY)) == {"ID_BIRTH_MISMATCH"}


def test_ethnicity_must_be_one_of_the_56():
    assert len(ETHNICITIES) == 56
    assert ethnicity_code("汉") == "01" and ethnicity_code("维吾尔族") == "05"
    assert codes(check_card(card(ethnicity="火星"), IdType.RESIDENT_ID, MAN, TODAY)) == {
        "ID_ETHNICITY"
    }
    assert check_card(card(ethnicity="蒙古"), IdType.RESIDENT_ID, MAN, TODAY) == []


def test_hmt_permit_has_no_ethnicity():
    hmt = make_number("820000", "19920304", "051")
    fields = card(hmt, ethnicity="")
    assert check_card(fields, IdType.HMT_RESIDENCE, hmt, TODAY) == []


def test_expired_card_is_refused_but_last_day_is_valid():
    assert codes(
        check_card(card(valid_until=date(2026, 2, 28)), IdType.RESIDENT_ID, MAN, TODAY)
    ) == {"ID_EXPIRED"}
    assert check_card(card(valid_until=TODAY), IdType.RESIDENT_ID, MAN, TODAY) == []


def test_long_term_card_never_expires():
    forever = card(valid_from=date(2006, 5, 1), valid_until=None, long_term=True)
    assert check_card(forever, IdType.RESIDENT_ID, MAN, TODAY) == []


def test_missing_or_future_validity_is_refused():
    assert codes(check_card(card(valid_until=None), IdType.RESIDENT_ID, MAN, TODAY)) == {
        "ID_VALIDITY_MISSING"
    }
    assert codes(check_card(card(valid_from=date(2027, 1, 1)), IdType.RESIDENT_ID, MAN, TODAY)) == {
        "ID_NOT_YET_VALID"
    }


def test_missing_name_is_refused():
    assert codes(check_card(card(name=""), IdType.RESIDENT_ID, MAN, TODAY)) == {"ID_NAME_MISSING"}


def test_every_refusal_has_a_chinese_message():
    refusals = check_card(card(sex="女", name="", ethnicity="x"), IdType.RESIDENT_ID, WOMAN, TODAY)
    assert refusals and all(any("\u4e00" <= ch <= "\u9fff" for ch in r.message) for r in refusals)


def test_normalize_and_mask():
    assert normalize_id_number(" 4301 0219 9001 02123x ") == "43010219900102123X"
    assert mask(MAN) == MAN[:3] + "*" * 11 + MAN[-4:]
