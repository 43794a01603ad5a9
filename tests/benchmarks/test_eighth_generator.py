"""The eighth generator's own promises: its holders pass the card's rules, a seed gives the same
pair, a legible side keeps its characters large enough at the card's far edge, its bad pairs are
of every kind, and the production step reads one of its legible pairs."""

import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from temporalio.testing import ActivityEnvironment

from activities.ocr import IdCardReader
from domain.identity import IdType, check_card
from domain.vision import ReadIdCardInput
from infra.storage import LocalObjectStore
from synthetic import eighth_capture as cap
from synthetic.eighth_card import make_holder
from synthetic.idcard_eighth import BAD_KINDS, MIN_CHAR_PX, make_eighth_bad, make_eighth_pair

TODAY = date(2026, 3, 1)
SMOKE_SEED = 8000001


def test_holders_pass_the_card_rules() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        fields = make_holder(rng, TODAY).fields()
        assert check_card(fields, IdType.RESIDENT_ID, fields.id_number, TODAY) == []


def test_a_pair_is_the_same_for_its_seed_and_keeps_its_characters_legible() -> None:
    first, again = make_eighth_pair(8000003, TODAY), make_eighth_pair(8000003, TODAY)
    assert first.front.jpeg == again.front.jpeg and first.back.jpeg == again.back.jpeg
    assert first.legible and min(first.front.char_px, first.back.char_px) >= MIN_CHAR_PX


def test_a_card_held_at_an_angle_lies_wholly_in_the_frame() -> None:
    rng = random.Random(2)
    for size in ((4000, 3000), (1080, 1920), (1920, 1080)):
        for _ in range(50):
            corners = cap.place(rng, size, rng.uniform(0.22, 0.95), rng.uniform(0, 0.28))
            assert (corners >= -0.5).all() and (corners <= np.array(size) + 0.5).all()


def test_the_bad_pairs_are_of_every_kind_and_never_legible() -> None:
    kinds = {BAD_KINDS[seed % len(BAD_KINDS)] for seed in range(8900000, 8900004)}
    assert kinds == set(BAD_KINDS)
    assert not make_eighth_bad(8900003, TODAY).legible


@pytest.mark.slow
def test_the_production_step_reads_a_legible_pair(tmp_path: Path) -> None:
    pair = make_eighth_pair(SMOKE_SEED, TODAY)
    reader = IdCardReader(LocalObjectStore(tmp_path))
    inp = ReadIdCardInput(
        front=reader.store.put("e8/front.jpg", pair.front.jpeg, "image/jpeg"),
        back=reader.store.put("e8/back.jpg", pair.back.jpeg, "image/jpeg"),
        typed_id_number=pair.holder.number,
        check_date=TODAY,
        portrait_key="e8/portrait.jpg",
    )
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.fields == pair.holder.fields()
