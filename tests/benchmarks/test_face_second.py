"""The second face-pair generator keeps its promises before anything is measured with it: the ID
portrait is what production cuts from a phone photo of a card and shows one face, the same seed
gives the same bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from synthetic.face_second import id_portrait, live_burst, official_photo

pytestmark = pytest.mark.slow


def test_the_id_portrait_is_production_s_cut_of_a_card_photo_and_repeats():
    from infra.landmarks import shared_landmark_model

    portrait = id_portrait("obama2.jpg", 3)
    assert portrait is not None and portrait == id_portrait("obama2.jpg", 3)
    rgb = np.asarray(Image.open(io.BytesIO(portrait)).convert("RGB"))
    assert rgb.shape[0] < 400  # small: cut from the 1280-px working copy of the photo
    model = shared_landmark_model()
    assert len(model.faces(rgb) or model.faces(rgb, upsample=1)) == 1


def test_a_burst_answers_two_or_three_actions_and_only_frontal_stills_get_a_photo():
    actions, frames = live_burst("biden.jpg", 2)
    assert 2 <= len(actions) <= 3 and len(frames) >= 3 + 3 * len(actions)
    assert official_photo("biden.jpg", 0) is None
    assert official_photo("astronaut.png", 0) is not None
