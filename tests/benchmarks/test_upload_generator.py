"""The sixth generator's legibility ground truth: strokes with a person's contrast count as
legible, strokes faded into the paper do not, and its holders follow the card's rules."""

from datetime import date

import numpy as np

from domain.identity import IdCardFields, IdType, check_card
from synthetic.idcard_upload import faint_share, make_upload_pair


def _print(ink: float) -> tuple[np.ndarray, np.ndarray]:
    grey = np.full((80, 200), 230.0, np.float32)
    strokes = np.zeros((80, 200), bool)
    for x in range(20, 180, 20):
        strokes[20:60, x : x + 4] = True
    grey[strokes] = ink
    return grey, strokes


def test_dark_strokes_are_legible_and_faded_ones_are_not() -> None:
    assert faint_share(*_print(30.0), char_px=40) == 0.0
    assert faint_share(*_print(215.0), char_px=40) == 1.0


def test_a_pair_is_the_same_for_its_seed_and_its_holder_passes_the_card_rules() -> None:
    today = date(2026, 3, 1)
    first, again = make_upload_pair(6000003, today), make_upload_pair(6000003, today)
    assert first.front.jpeg == again.front.jpeg and first.holder == again.holder
    fields: IdCardFields = first.holder.fields()
    assert check_card(fields, IdType.RESIDENT_ID, fields.id_number, today) == []
