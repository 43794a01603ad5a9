"""The production ID step on a few cards of the third generator (synthetic/idcard_third.py), which
nothing in the step was tuned on: legible cards are accepted and read right."""

from pathlib import Path

import pytest

from activities.ocr import IdCardReader
from benchmarks.ocr import run_step
from benchmarks.ocr_third import third_case
from domain.identity import check_character
from infra.storage import LocalObjectStore
from synthetic.idcard_third import check_digit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> IdCardReader:
    return IdCardReader(LocalObjectStore(Path(tmp_path_factory.mktemp("objects"))))


def test_the_generators_check_digit_is_gb_11643s():
    for body in ("43010219900102123", "11010519491231002", "43312720010909555"):
        assert check_digit(body) == check_character(body)


@pytest.mark.parametrize("seed", [3, 21, 47])
def test_a_legible_card_of_the_third_generator_is_accepted_and_read_right(reader, seed):
    outcome = run_step(reader, third_case(seed), f"third-{seed}")
    assert outcome.result.ok, outcome.result.refusals
    assert outcome.result.fields == outcome.case.truth
    assert outcome.result.portrait is not None
