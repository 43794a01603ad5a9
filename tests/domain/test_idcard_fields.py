"""民族 normalisation, and 性别 / 出生 settled by the ID number: never empty, never silent."""

from datetime import date

import pytest

from domain.ethnicities import CARD_NAMES, ethnicity_code, normalize_ethnicity
from domain.idcard_fields import complete_fields, illegible_fields
from domain.identity import IdCardFields, IdType, check_card, check_character
from domain.vision import CardSide, FlagReason
from tests.domain.test_identity import card as identity_card

TODAY = date(2026, 3, 1)
BODY = "43010219950615024"  # 17th digit 4: 女
WOMAN = BODY + check_character(BODY)
CONFIDENT = dict.fromkeys(
    ("name", "sex", "ethnicity", "birth_date", "address", "id_number", "issuer", "validity"), 0.95
)


def card(**changes) -> IdCardFields:
    return identity_card(WOMAN, **changes)


@pytest.mark.parametrize(
    ("written", "card_name"),
    [
        ("漢", "汉"),
        ("漢族", "汉"),
        ("汉族", "汉"),
        ("維吾爾", "维吾尔"),
        ("維吾爾族", "维吾尔"),
        ("滿", "满"),
        ("朝鮮族", "朝鲜"),
        ("鄂倫春", "鄂伦春"),
        ("門巴族", "门巴"),
        ("僮族", "壮"),  # the name before 1965
        ("傜", "瑶"),
        ("土族", "土"),
        ("土家族", "土家"),
        (" 蒙古 ", "蒙古"),
    ],
)
def test_ethnicity_written_any_common_way_is_the_gb3304_name(written, card_name):
    assert normalize_ethnicity(written) == card_name
    assert ethnicity_code(written) is not None


def test_every_card_name_normalises_to_itself_and_nothing_else_passes():
    assert all(normalize_ethnicity(name) == name for name in CARD_NAMES.values())
    assert normalize_ethnicity("火星") == "" and normalize_ethnicity("") == ""


def test_a_traditional_ethnicity_read_is_stored_simplified_and_passes():
    fields, flags = complete_fields(card(ethnicity="漢"), CONFIDENT)
    assert fields.ethnicity == "汉" and flags == []
    assert check_card(fields, IdType.RESIDENT_ID, WOMAN, TODAY) == []


def test_an_empty_sex_is_derived_from_the_number_and_flagged():
    fields, flags = complete_fields(card(sex=""), {**CONFIDENT, "sex": 0.0})
    assert fields.sex == "女"
    [flag] = flags
    assert (flag.field, flag.side, flag.reason) == (
        "sex",
        CardSide.FRONT,
        FlagReason.DERIVED_FROM_NUMBER,
    )
    assert "女" in flag.message and "核对" in flag.message


def test_an_uncertain_birth_date_that_disagrees_is_taken_from_the_number_and_flagged():
    fields, flags = complete_fields(
        card(birth_date=date(1995, 6, 16)), {**CONFIDENT, "birth_date": 0.3}
    )
    assert fields.birth_date == date(1995, 6, 15)
    assert [f.field for f in flags] == ["birth_date"]


def test_a_confident_sex_that_disagrees_is_kept_and_refused_not_overwritten():
    fields, flags = complete_fields(card(sex="男"), CONFIDENT)
    assert fields.sex == "男" and flags == []
    [refusal] = check_card(fields, IdType.RESIDENT_ID, WOMAN, TODAY)
    assert refusal.code == "ID_SEX_MISMATCH"
    assert refusal.details == {"side": "front", "field": "sex"}


def test_nothing_is_derived_from_a_number_whose_check_digit_fails():
    broken = WOMAN[:-1] + ("0" if WOMAN[-1] != "0" else "1")
    fields, flags = complete_fields(card(sex="", id_number=broken), {**CONFIDENT, "sex": 0.0})
    assert fields.sex == "" and flags == []


def test_fields_that_cannot_be_derived_are_illegible_when_unread_or_unsure():
    fields = card(address="", issuer="某某")
    confidence = {**CONFIDENT, "issuer": 0.2}
    assert illegible_fields(fields, confidence) == [
        (CardSide.FRONT, "address"),
        (CardSide.BACK, "issuer"),
    ]


def test_every_identity_refusal_names_side_and_field():
    expired = card(
        valid_until=date(2025, 1, 1), valid_from=date(2015, 1, 1), sex="男", ethnicity="火星"
    )
    refusals = check_card(expired, IdType.RESIDENT_ID, WOMAN[:-4] + "0000", TODAY)
    assert refusals and all({"side", "field"} <= set(r.details) for r in refusals)
    assert {"side": "back", "field": "validity"} in [r.details for r in refusals]
