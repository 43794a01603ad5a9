"""R12's 「原证件号码」: a number written as a resident ID number must be one (15 digits of a
first-generation card, or 18 with their check character); any other document's number is held to
its characters only. A typo caught on the form is cheaper than an examiner's return for it."""

from __future__ import annotations

import pytest

from domain.attachments import check_old_identity
from domain.errors import RefusedError
from domain.identity import check_character, old_id_number_problem


def id18(first17: str) -> str:
    return first17 + check_character(first17)


VALID_18 = id18("43010219850611002")


@pytest.mark.parametrize(
    "number",
    [
        VALID_18,
        VALID_18.lower(),
        f" {VALID_18[:6]} {VALID_18[6:]} ",  # typed with blanks
        "430102850611002",  # a first-generation card: born 1985-06-11
        id18("54010119900307001"),  # a region code need not be current
        "E12345678",  # passport
        "A123456(7)",  # Hong Kong identity card
        "1234567（8）",  # Macao, full-width brackets
        "南字第1234567号",  # 军官证
        "",  # the old name alone was changed
    ],
)
def test_well_formed_old_numbers_pass(number):
    assert old_id_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "says"),
    [
        (VALID_18[:17] + ("0" if VALID_18[17] != "0" else "1"), "校验位"),
        (id18("43010219850230002"), "出生年月日"),  # 30 February
        (id18("43010218500611002"), "出生年月日"),  # before 1900
        ("430102851311002", "出生年月日"),  # month 13 on a 15-digit card
        (VALID_18[:16], "15位或18位"),  # a digit short
        (VALID_18 + "1", "15位或18位"),  # a digit too many
        ("4301028506110021", "15位或18位"),
        ("E12", "4至32位"),
        ("E123#456", "字母、数字、汉字和括号"),
        ("E123\u202e456", "字母、数字、汉字和括号"),
    ],
)
def test_malformed_old_numbers_say_what_to_check(number, says):
    problem = old_id_number_problem(number)
    assert problem is not None and says in problem


def test_the_form_rule_refuses_with_a_stable_code_and_the_reason():
    with pytest.raises(RefusedError) as caught:
        check_old_identity(
            "", VALID_18[:17], current_name="张三", current_id_number=id18("43010219900307001")
        )
    assert caught.value.refusal.code == "OLD_ID_NUMBER_INVALID"
    assert "15位或18位" in caught.value.refusal.message


def test_cases_started_under_earlier_rules_take_any_old_number():
    check_old_identity(
        "",
        "12345",
        current_name="张三",
        current_id_number=id18("43010219900307001"),
        number_checked=False,
    )
