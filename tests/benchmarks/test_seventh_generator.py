"""The seventh generator's own promises: its holders pass the card's rules, a seed gives the
same pair, a legible side keeps its characters large enough and the whole card in the frame,
and its bad pairs are of every kind."""

import random
from datetime import date

import numpy as np

from domain.identity import IdType, check_card
from synthetic.idcard_seventh import BAD_KINDS, MIN_CHAR_PX, make_seventh_bad, make_seventh_pair
from synthetic.seventh_capture import _card_at
from synthetic.seventh_card import make_holder

TODAY = date(2026, 3, 1)


def test_holders_pass_the_card_rules() -> None:
    rng = random.Random(1)
    for _ in range(3000):  # some are issued on a 29 February
        fields = make_holder(rng, TODAY).fields()
        assert check_card(fields, IdType.RESIDENT_ID, fields.id_number, TODAY) == []


def test_a_pair_is_the_same_for_its_seed_and_keeps_its_characters_legible() -> None:
    first, again = make_seventh_pair(7000003, TODAY), make_seventh_pair(7000003, TODAY)
    assert first.front.jpeg == again.front.jpeg and first.back.jpeg == again.back.jpeg
    assert first.legible and min(first.front.char_px, first.back.char_px) >= MIN_CHAR_PX


def test_a_card_placed_in_a_frame_lies_wholly_inside_it() -> None:
    rng = random.Random(2)
    for size in ((900, 1600), (1600, 900), (1500, 2000)):
        for _ in range(50):
            corners = _card_at(rng, size, rng.uniform(0.45, 0.95), 0.09)
            assert (corners >= 0).all() and (corners <= np.array(size)).all()


def test_the_bad_pairs_are_of_every_kind_and_never_legible() -> None:
    kinds = {BAD_KINDS[seed % len(BAD_KINDS)] for seed in range(7900000, 7900004)}
    assert kinds == set(BAD_KINDS)
    assert not make_seventh_bad(7900003, TODAY).legible
