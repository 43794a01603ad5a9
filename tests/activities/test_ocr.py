"""The real RapidOCR engine on a handful of synthetic cards: one engine for the module."""

import io
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from temporalio.testing import ActivityEnvironment

from activities.idcard_image import screened_faces
from activities.idcard_text_region import balanced
from activities.ocr import IdCardReader
from domain.identity import IdType
from domain.vision import ReadIdCardInput, ReadIdCardResult
from infra.storage import LocalObjectStore
from synthetic.idcard import CardPair, Defect, make_card_pair
from synthetic.idcard_eighth import make_eighth_pair
from synthetic.idcard_phone import make_phone_pair
from synthetic.idcard_seventh import make_seventh_pair
from synthetic.idcard_upload import make_upload_pair

TODAY = date(2026, 3, 1)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> LocalObjectStore:
    return LocalObjectStore(Path(tmp_path_factory.mktemp("objects")))


@pytest.fixture(scope="module")
def reader(store) -> IdCardReader:
    return IdCardReader(store)


def read(
    reader: IdCardReader, pair: CardPair, typed: str | None = None, **changes
) -> ReadIdCardResult:
    case = f"case-{abs(hash((pair.identity.id_number, pair.defect)))}"
    inp = ReadIdCardInput(
        front=reader.store.put(f"{case}/front.jpg", pair.front_jpeg, "image/jpeg"),
        back=reader.store.put(f"{case}/back.jpg", pair.back_jpeg, "image/jpeg"),
        typed_id_number=typed or pair.identity.id_number,
        check_date=TODAY,
        portrait_key=f"{case}/portrait.jpg",
    ).model_copy(update=changes)
    return ActivityEnvironment().run(reader.read_id_card, inp)


def codes(result: ReadIdCardResult) -> set[str]:
    return {r.code for r in result.refusals}


@pytest.fixture(scope="module")
def good_pair() -> CardPair:
    return make_card_pair(seed=7)


@pytest.fixture(scope="module")
def good_read(reader, good_pair) -> ReadIdCardResult:
    return read(reader, good_pair)


def test_a_good_card_is_read_completely(good_read, good_pair):
    assert good_read.ok, good_read.refusals
    assert good_read.fields == good_pair.identity.fields()
    assert good_read.confidence["id_number"] > 0.9 and good_read.confidence["name"] > 0.8
    assert not good_read.needs_manual_review


def test_the_portrait_is_stored_for_the_face_check(reader, good_read):
    assert good_read.portrait is not None
    stored = reader.store.get(good_read.portrait.key)
    assert stored[:3] == b"\xff\xd8\xff" and len(stored) == good_read.portrait.size


def _turned_jpeg(data: bytes, turn: Image.Transpose) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).transpose(turn).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("front_turn", "back_turn"),
    [
        (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270),  # a portrait frame filled
        (Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_180),  # upside down
    ],
)
def test_a_card_photographed_turned_is_read_upright(reader, good_pair, front_turn, back_turn):
    pair = replace(
        good_pair,
        front_jpeg=_turned_jpeg(good_pair.front_jpeg, front_turn),
        back_jpeg=_turned_jpeg(good_pair.back_jpeg, back_turn),
    )
    result = read(reader, pair)
    assert result.ok, result.refusals
    assert result.fields == good_pair.identity.fields()
    assert result.portrait is not None


def test_swapped_sides_are_refused(reader):
    result = read(reader, make_card_pair(seed=11, defect=Defect.SWAPPED))
    assert codes(result) == {"ID_SIDES_SWAPPED"}
    assert result.refusals[0].details == {"side": "front", "field": "card"}


def test_cropped_card_is_refused(reader):
    assert codes(read(reader, make_card_pair(seed=12, defect=Defect.CROPPED))) == {
        "ID_CARD_CROPPED"
    }


@pytest.mark.parametrize(
    ("defect", "code"),
    [
        (Defect.BLURRED, "ID_BLURRY"),
        (Defect.GLARE, "ID_GLARE"),
        (Defect.LOW_RES, "ID_LOW_RESOLUTION"),
    ],
)
def test_a_blemish_refuses_only_when_it_hides_a_needed_field(reader, defect, code):
    """Refused: the refusal names the side, the field and the measured cause. Accepted: every
    field was read right and the blemish is a warning for the examiner."""
    pair = make_card_pair(seed=13, defect=defect)
    result = read(reader, pair)
    if result.refusals:
        assert all(
            r.details["side"] in ("front", "back") and r.details["field"] for r in result.refusals
        )
        assert code in codes(result), result.refusals
    else:
        assert result.fields == pair.identity.fields()
        assert code in {w.code for w in result.warnings}


def test_a_photo_without_a_card_is_refused(reader):
    result = read(reader, make_card_pair(seed=13, defect=Defect.MISSING))
    assert codes(result) <= {"ID_CARD_NOT_FOUND", "ID_CARD_CROPPED"} and result.refusals
    assert result.portrait is None


def test_a_file_that_is_not_an_image_is_refused(reader, good_pair):
    broken = CardPair(
        good_pair.identity, b"%PDF-1.4 not an image", good_pair.back_jpeg, Defect.NONE
    )
    assert codes(read(reader, broken)) == {"ID_IMAGE_UNREADABLE"}


def test_other_documents_go_to_manual_review(reader, good_pair):
    result = read(reader, good_pair, typed="E12345678", id_type=IdType.PASSPORT)
    assert result.needs_manual_review and result.ok


def test_identity_rules_apply_to_what_was_read(reader, good_pair):
    other = good_pair.identity.id_number[:-4] + "0000"
    result = read(reader, good_pair, typed=other, check_date=date(2099, 1, 1))
    assert {"ID_TYPED_MISMATCH"} <= codes(result)
    assert result.fields.id_number == good_pair.identity.id_number


def test_the_two_sides_are_read_at_once_on_engines_of_their_own(reader, monkeypatch) -> None:
    """Each side's detection, and each half of the lines' recognition, waits at a barrier for
    its twin: run one after the other, the first would wait alone until the barrier broke."""
    assert reader.engines.size == 2
    detections, recognitions = threading.Barrier(2, timeout=60), threading.Barrier(2, timeout=60)
    detect_alone, recognize_alone = reader.detect, reader.recognize

    def detect(rgb, located=None, **kwargs):
        detections.wait()
        return detect_alone(rgb, located, **kwargs)

    def recognize(crops):
        recognitions.wait()
        return recognize_alone(crops)

    monkeypatch.setattr(reader, "detect", detect)
    monkeypatch.setattr(reader, "recognize", recognize)
    pair = make_card_pair(seed=7)
    result = read(reader, pair)
    assert result.ok, result.refusals
    assert result.fields.id_number == pair.identity.id_number


def test_lines_are_shared_out_by_width() -> None:
    groups = balanced([10.0, 1.0, 9.0, 2.0, 3.0], 2)
    assert sorted(i for group in groups for i in group) == [0, 1, 2, 3, 4]
    loads = [sum([10.0, 1.0, 9.0, 2.0, 3.0][i] for i in group) for group in groups]
    assert max(loads) - min(loads) <= 1.0
    assert balanced([], 2) == [] and balanced([4.0], 2) == [[0]]


def test_a_small_card_that_showed_only_its_number_is_read_from_the_uploads_pixels(reader):
    """Phone 5200071: the card on 40 % of a 2160 × 3840 frame; the working copy merges its
    labels, only the bold number is read, so the side was refused ID_CARD_NOT_FOUND although
    the upload holds the card at three times those pixels."""
    pair = make_phone_pair(5200071, TODAY)
    inp = ReadIdCardInput(
        front=reader.store.put("phone-5200071/front.jpg", pair.front_jpeg, "image/jpeg"),
        back=reader.store.put("phone-5200071/back.jpg", pair.back_jpeg, "image/jpeg"),
        typed_id_number=pair.holder.number,
        check_date=TODAY,
        portrait_key="phone-5200071/portrait.jpg",
    )
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.fields == pair.holder.fields()


def test_a_portrait_in_a_dark_rooms_noise_is_found(reader):
    """Upload 6000035: a worn card shot in low light; the pushed noise hid the face from the
    detector's sharp search and the side was refused ID_PORTRAIT_NOT_FOUND."""
    pair = make_upload_pair(6000035, TODAY)
    inp = ReadIdCardInput(
        front=reader.store.put("upload-6000035/front.jpg", pair.front.jpeg, "image/jpeg"),
        back=reader.store.put("upload-6000035/back.jpg", pair.back.jpeg, "image/jpeg"),
        typed_id_number=pair.holder.number,
        check_date=TODAY,
        portrait_key="upload-6000035/portrait.jpg",
    )
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.portrait is not None


def upload_input(reader: IdCardReader, seed: int, front: bytes, back: bytes, number: str):
    return ReadIdCardInput(
        front=reader.store.put(f"upload-{seed}/front.jpg", front, "image/jpeg"),
        back=reader.store.put(f"upload-{seed}/back.jpg", back, "image/jpeg"),
        typed_id_number=number,
        check_date=TODAY,
        portrait_key=f"upload-{seed}/portrait.jpg",
    )


def test_a_photocopys_halftone_portrait_is_found(reader):
    """Upload 6000039: a grey photocopy; the halftone screen hid the face from both searches and
    the side was refused ID_PORTRAIT_NOT_FOUND."""
    pair = make_upload_pair(6000039, TODAY)
    inp = upload_input(reader, 6000039, pair.front.jpeg, pair.back.jpeg, pair.holder.number)
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.portrait is not None


def test_a_photocopy_whose_portrait_was_covered_is_still_refused(reader):
    """The same copy with white paper over the face: no face, screened or not."""
    pair = make_upload_pair(6000039, TODAY)
    rgb = np.asarray(Image.open(io.BytesIO(pair.front.jpeg)).convert("RGB")).copy()
    faces = screened_faces(rgb, None)
    assert len(faces) == 1
    left, top, right, bottom = (int(v) for v in faces[0])
    pad = (right - left) // 2
    rgb[max(top - pad, 0) : bottom + pad, max(left - pad, 0) : right + pad] = 250
    covered = io.BytesIO()
    Image.fromarray(rgb).save(covered, "JPEG", quality=90)
    inp = upload_input(reader, 6000039, covered.getvalue(), pair.back.jpeg, pair.holder.number)
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert "ID_PORTRAIT_NOT_FOUND" in codes(result)


def test_a_portrait_under_a_screens_moire_is_found(reader):
    """Seventh generator 7000023: the card on a laptop's screen, photographed; the moiré's
    coloured stripes across the portrait hid the face and the side was refused
    ID_PORTRAIT_NOT_FOUND."""
    pair = make_seventh_pair(7000023, TODAY)
    inp = upload_input(reader, 7000023, pair.front.jpeg, pair.back.jpeg, pair.holder.number)
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert "ID_PORTRAIT_NOT_FOUND" not in codes(result)
    assert result.portrait is not None


def test_a_copys_portrait_past_the_window_the_labels_placed_is_found(reader):
    """Seventh 7000064, a photocopy on a desk: its few faint labels placed the portrait's window
    short of the face, and the side was refused (ID_BLURRY, measured in that window)."""
    pair = make_seventh_pair(7000064, TODAY)
    inp = upload_input(reader, 7000064, pair.front.jpeg, pair.back.jpeg, pair.holder.number)
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.fields == pair.holder.fields()
    face = np.asarray(Image.open(io.BytesIO(reader.store.get(result.portrait.key))).convert("RGB"))
    assert screened_faces(face, None)  # the crop holds the face


def test_a_card_taken_from_far_is_found_at_the_working_scale(reader):
    """Eighth 8000005: the front on a quarter of a 3000 × 4000 frame, on a flowered cloth; the
    detector, shrinking the 1280-px working copy to 960, saw 7-px characters and not one line,
    so no close-up could be placed and the side was refused ID_CARD_NOT_FOUND."""
    pair = make_eighth_pair(8000005, TODAY)
    inp = upload_input(reader, 8000005, pair.front.jpeg, pair.back.jpeg, pair.holder.number)
    result = ActivityEnvironment().run(reader.read_id_card, inp)
    assert result.ok, result.refusals
    assert result.fields == pair.holder.fields()
