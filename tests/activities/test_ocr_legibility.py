"""The ID step on the second generator's pictures (synthetic/idcard_hard.py), where the picture's
light is set by hand: glare that hides nothing is a warning, glare on a field refuses that field,
and the identity rules still speak when the picture has a blemish."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from activities.ocr import IdCardReader
from domain.vision import CardSide, ReadIdCardInput, ReadIdCardResult
from synthetic.card_scene import Scene
from synthetic.idcard_hard import HardPair, make_hard_pair

pytestmark = pytest.mark.slow
TODAY = date(2026, 3, 1)
PLAIN = Scene(
    size=(1600, 1200),
    background="dark_cloth",
    card_fill=0.7,
    centre=(0.5, 0.5),
    angle=3.0,
    tilt=(0.01, -0.01, 0.0, 0.01, -0.01, 0.0, 0.01, 0.0),
    gain=1.0,
    gradient=(0.1, -0.1),
    shadow=None,
    glare=None,
    blur=0.5,
    noise=3.0,
    jpeg_quality=85,
)


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> IdCardReader:
    from infra.storage import LocalObjectStore

    return IdCardReader(LocalObjectStore(tmp_path_factory.mktemp("legibility")))


def read(reader: IdCardReader, pair: HardPair, key: str) -> ReadIdCardResult:
    inp = ReadIdCardInput(
        front=reader.store.put(f"{key}/f.jpg", pair.front.jpeg, "image/jpeg"),
        back=reader.store.put(f"{key}/b.jpg", pair.back.jpeg, "image/jpeg"),
        typed_id_number=pair.identity.id_number,
        check_date=TODAY,
        portrait_key=f"{key}/portrait.jpg",
    )
    return reader.read_id_card(inp)


def test_an_expired_card_with_a_bright_patch_is_refused_as_expired(reader):
    patch = PLAIN.with_glare(0.14, 0.25, 0.1, 420.0)  # blown out over the emblem, not the text
    pair = make_hard_pair(31, TODAY, expired=True, scene={"front": PLAIN, "back": patch})
    assert pair.all_needed_legible
    result = read(reader, pair, "expired")
    assert [r.code for r in result.refusals] == ["ID_EXPIRED"]
    assert result.refusals[0].details == {"side": "back", "field": "validity"}
    assert result.refusals[0].measured == pair.identity.valid_until.isoformat()
    assert "ID_GLARE" in {w.code for w in result.warnings if w.side is CardSide.BACK}


def test_a_legible_over_exposed_card_is_accepted(reader):
    bright = replace(PLAIN, gain=1.55)  # the pale card is blown out to 255; the print is not
    pair = make_hard_pair(32, TODAY, scene={"front": bright, "back": bright})
    assert pair.all_needed_legible
    result = read(reader, pair, "bright")
    assert result.ok, result.refusals
    assert result.fields == pair.identity.fields()
    assert result.portrait is not None
    # the old whole-photo glare check (0.02 of the photo blown out) would have refused it
    assert {w.code for w in result.warnings} == {"ID_GLARE"}


def test_glare_on_the_name_refuses_the_front_for_the_name(reader):
    on_name = PLAIN.with_glare(0.3, 0.17, 0.07, 700.0)
    pair = make_hard_pair(33, TODAY, scene={"front": on_name, "back": PLAIN})
    assert not pair.front.legible["name"] and pair.back.legible["validity"]
    result = read(reader, pair, "glare-name")
    glare = [r for r in result.refusals if r.code == "ID_GLARE"]
    assert glare and glare[0].details == {"side": "front", "field": "name"}
    assert glare[0].measured > glare[0].expected
    assert "姓名" in glare[0].message and "头像面" in glare[0].message
