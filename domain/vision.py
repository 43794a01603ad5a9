"""Contracts of the vision activities (task queue `ruji-vision`).

One input and one output model per activity; the enrollment workflow calls them by name, the
vision worker implements them (activities/ocr.py, activities/photo.py, activities/face.py).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.errors import Refusal
from domain.objects import StoredObject

VISION_TASK_QUEUE = "ruji-vision"

READ_ID_CARD = "read_id_card"
CHECK_PHOTO = "check_photo"
FIX_PHOTO = "fix_photo"
VERIFY_FACE = "verify_face"


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    HMT_RESIDENCE = "hmt_residence"  # 港澳台居民居住证
    PASSPORT = "passport"  # 护照 / 通行证等: format check, manual review


# --- ID card (R3) ---------------------------------------------------------------------------
class IdCardFields(BaseModel):
    name: str = ""
    sex: str = ""  # 男 / 女
    ethnicity: str = ""  # 民族, e.g. 汉
    birth_date: date | None = None
    address: str = ""
    id_number: str = ""
    issuer: str = ""  # 签发机关
    valid_from: date | None = None
    valid_until: date | None = None  # None with long_term=True means 长期
    long_term: bool = False


class ReadIdCardInput(BaseModel):
    front: StoredObject
    back: StoredObject
    id_type: IdType = IdType.RESIDENT_ID
    typed_id_number: str
    check_date: date  # the workflow's today, so the activity stays deterministic in tests
    portrait_key: str  # where to store the cropped portrait


class ReadIdCardResult(BaseModel):
    fields: IdCardFields = Field(default_factory=IdCardFields)
    confidence: dict[str, float] = Field(default_factory=dict)
    refusals: list[Refusal] = Field(default_factory=list)
    portrait: StoredObject | None = None
    needs_manual_review: bool = False

    @property
    def ok(self) -> bool:
        return not self.refusals


# --- ID photo 寸照 (R4) -----------------------------------------------------------------------
class PhotoRule(BaseModel):
    code: str
    passed: bool
    measured: float | str | list[float] | None = None
    expected: str = ""
    message: str = ""  # Chinese, what to change; empty when passed


class CheckPhotoInput(BaseModel):
    photo: StoredObject
    filename: str


class PhotoReport(BaseModel):
    rules: list[PhotoRule] = Field(default_factory=list)
    fixable: bool = False  # an auto-fix would make every failing rule pass
    unfixable_codes: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.rules) and all(r.passed for r in self.rules)


class FixPhotoInput(BaseModel):
    photo: StoredObject
    fixed_key: str


class FixPhotoResult(BaseModel):
    fixed: StoredObject | None = None
    report: PhotoReport  # report of the fixed photo, or of the original when nothing was fixed
    refusals: list[Refusal] = Field(default_factory=list)


# --- Face liveness + 1:1 match (R5) ------------------------------------------------------------
class LivenessAction(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    OPEN_MOUTH = "open_mouth"
    NOD = "nod"


class LivenessChallenge(BaseModel):
    nonce: str
    actions: list[LivenessAction]
    expires_at: datetime


class VerifyFaceInput(BaseModel):
    challenge: LivenessChallenge
    answered_nonce: str
    answered_at: datetime
    frames: list[StoredObject]
    id_portrait: StoredObject
    official_photo: StoredObject
    best_frame_key: str  # where to keep the chosen frame; the rest of the burst is deleted


class FaceMatch(BaseModel):
    reference: str  # "id_portrait" | "official_photo"
    distance: float
    threshold: float
    matched: bool


class VerifyFaceResult(BaseModel):
    live: bool = False
    matches: list[FaceMatch] = Field(default_factory=list)
    best_frame: StoredObject | None = None
    refusals: list[Refusal] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.live
            and bool(self.matches)
            and all(m.matched for m in self.matches)
            and not self.refusals
        )
