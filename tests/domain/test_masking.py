"""One set of masks for views and logs."""

from __future__ import annotations

import pytest

from domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("masker", "value", "shown"),
    [
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "+86 13812345678", "138****5678"),
        (mask_phone, "12345", "*****"),
        (mask_id_number, "43010219900101123X", "4301**********123X"),
        (mask_id_number, "430102 19900101 123x", "4301**********123X"),
        (mask_id_number, "430102900101123", "4301********123"),
        (mask_id_number, "1234", "****"),
        (mask_name, "张三", "张*"),
        (mask_name, "欧阳娜娜", "欧***"),
        (mask_name, "王", "王*"),
        (mask_name, "", ""),
    ],
)
def test_masks_show_only_enough_to_recognise(masker, value: str, shown: str) -> None:
    assert masker(value) == shown
