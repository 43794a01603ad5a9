"""Stand-in vision activities for workflow tests, registered under the real activity names.

They answer from the object key, so a test says what the "camera" saw: a key containing
`blurry` is refused the way the real OCR refuses blur, `bad-photo` fails a photo rule,
`stranger` fails the face match. The real activities are tested in tests/activities/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from temporalio import activity

from domain.errors import Refusal
from domain.identity import IdCardFields
from domain.objects import StoredObject
from domain.vision import (
    CHECK_PHOTO,
    FIX_PHOTO,
    READ_ID_CARD,
    VERIFY_FACE,
    CheckPhotoInput,
    FaceMatch,
    FixPhotoInput,
    FixPhotoResult,
    PhotoReport,
    PhotoRule,
    ReadIdCardInput,
    ReadIdCardResult,
    VerifyFaceInput,
    VerifyFaceResult,
)
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiSealer


def _obj(key: str) -> StoredObject:
    return StoredObject(key=key, sha256="0" * 64, size=1, content_type="image/jpeg")


@activity.defn(name=READ_ID_CARD)
async def read_id_card(inp: ReadIdCardInput) -> ReadIdCardResult:
    if "blurry" in inp.front.key:
        return ReadIdCardResult(
            refusals=[Refusal(code="OCR_BLURRY", message="身份证照片模糊，请重新拍摄")]
        )
    n = inp.typed_id_number
    read_on = inp.check_date.replace(day=1)
    fields = IdCardFields(
        name="张三",
        sex="男" if int(n[16]) % 2 else "女",
        ethnicity="汉",
        birth_date=date(int(n[6:10]), int(n[10:12]), int(n[12:14])),
        address="湖南省长沙市岳麓区某路1号",
        id_number=n,
        issuer="长沙市公安局岳麓分局",
        # valid from six years before the read to twenty after, on the workflow's day: a
        # time-skipping run (the lifecycle model's long ones pass 2040) never holds a card that
        # expires under it; expiry has tests of its own (tests/workflows/test_card_expiry.py)
        valid_from=read_on.replace(year=read_on.year - 6),
        valid_until=read_on.replace(year=read_on.year + 20),
    )
    return ReadIdCardResult(
        fields=fields, confidence={"name": 0.99}, portrait=_obj(inp.portrait_key)
    )


def _report(passed: bool) -> PhotoReport:
    rule = PhotoRule(
        code="PHOTO_SIZE_PX",
        passed=passed,
        measured="600x800",
        expected="480x640",
        message="" if passed else "照片尺寸应为480×640像素",
    )
    return PhotoReport(rules=[rule], fixable=not passed)


@activity.defn(name=CHECK_PHOTO)
async def check_photo(inp: CheckPhotoInput) -> PhotoReport:
    return _report("bad-photo" not in inp.photo.key)


@activity.defn(name=FIX_PHOTO)
async def fix_photo(inp: FixPhotoInput) -> FixPhotoResult:
    return FixPhotoResult(fixed=_obj(inp.fixed_key), report=_report(True))


@activity.defn(name=VERIFY_FACE)
async def verify_face(inp: VerifyFaceInput) -> VerifyFaceResult:
    if inp.answered_nonce != inp.challenge.nonce:
        return VerifyFaceResult(
            refusals=[Refusal(code="FACE_NONCE_MISMATCH", message="核验已失效，请重新开始")]
        )
    stranger = any("stranger" in f.key for f in inp.frames)
    matches = [
        FaceMatch(
            reference="id_portrait",
            distance=0.9 if stranger else 0.2,
            threshold=0.5,
            matched=not stranger,
        )
    ]
    refusals = [Refusal(code="FACE_MISMATCH", message="人脸与身份证照片不一致")] if stranger else []
    return VerifyFaceResult(
        live=True, matches=matches, best_frame=_obj(inp.best_frame_key), refusals=refusals
    )


VISION_STAND_INS: list[Callable[..., Any]] = [read_id_card, check_photo, fix_photo, verify_face]


def pii_sealer() -> PiiSealer:
    """A real sealer under a key made for this test run (no dev key files touched)."""
    return PiiSealer(FieldCipher(parse_key_ring(new_key_entry("testpii"))), "test-lookup")
