"""Contracts of the vision activities (task queue `ruji-vision`).

One input and one output model per activity; the enrollment workflow calls them by name, the
vision worker implements them (activities/ocr.py, activities/photo.py, activities/face.py).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.errors import Refusal, RefusalCode
from domain.identity import IdCardFields, IdType
from domain.objects import StoredObject

READ_ID_CARD = "read_id_card"
CHECK_PHOTO = "check_photo"
FIX_PHOTO = "fix_photo"
VERIFY_FACE = "verify_face"


class IdImageRefusal(RefusalCode):
    """An ID-card photo that cannot be read; `{side}` is filled with the side's name."""

    ID_IMAGE_UNREADABLE = (
        "ID_IMAGE_UNREADABLE",
        "{side}文件无法识别为图片，请上传JPG或PNG格式的照片。",
    )
    ID_LOW_RESOLUTION = (
        "ID_LOW_RESOLUTION",
        "{side}照片分辨率过低，{field}无法识别，请靠近证件重新拍摄（文字高度至少{expected}像素）。",
    )
    ID_BLURRY = "ID_BLURRY", "{side}照片模糊，{field}无法识别，请对焦清晰、拿稳手机后重新拍摄。"
    ID_GLARE = (
        "ID_GLARE",
        "{side}的{field}处有反光或过曝，无法识别，请避开灯光直射、稍微倾斜证件后重新拍摄。",
    )
    ID_CARD_NOT_FOUND = "ID_CARD_NOT_FOUND", "{side}照片中未找到身份证，请将证件平放后拍摄。"
    ID_SIDES_SWAPPED = "ID_SIDES_SWAPPED", "头像面与国徽面上传颠倒，请交换后重新上传。"
    ID_WRONG_SIDE = "ID_WRONG_SIDE", "{side}位置上传的不是{side}，请上传正确的一面。"
    ID_CARD_CROPPED = "ID_CARD_CROPPED", "{side}照片中证件不完整，请将整张证件放入取景框内拍摄。"
    ID_FIELDS_UNREADABLE = (
        "ID_FIELDS_UNREADABLE",
        "{side}的{field}无法识别，请在光线均匀处将证件放平、对准后重新拍摄。",
    )
    ID_PORTRAIT_NOT_FOUND = "ID_PORTRAIT_NOT_FOUND", "头像面未找到人像，请重新拍摄头像面。"


# --- ID card (R3) ---------------------------------------------------------------------------
class ReadIdCardInput(BaseModel):
    front: StoredObject
    back: StoredObject
    id_type: IdType = IdType.RESIDENT_ID
    typed_id_number: str
    check_date: date  # the workflow's today, so the activity stays deterministic in tests
    portrait_key: str  # where to store the cropped portrait


class CardSide(StrEnum):
    FRONT = "front"  # 头像面
    BACK = "back"  # 国徽面


class FlagReason(StrEnum):
    DERIVED_FROM_NUMBER = "derived_from_number"  # unread on the card, taken from the ID number
    UNCERTAIN = "uncertain"  # read, but not confidently: the candidate confirms it


class FieldFlag(BaseModel):
    """A field the candidate must confirm and the examiner sees marked (never silently taken)."""

    field: str
    side: CardSide
    reason: FlagReason
    message: str  # Chinese, shown next to the field


class QualityWarning(BaseModel):
    """A blemish (glare, blur, low resolution) that hid no field the step needs: the card was
    read; the examiner sees where and how much."""

    code: str  # an IdImageRefusal code
    side: CardSide
    measured: float
    expected: float
    message: str


class ReadIdCardResult(BaseModel):
    fields: IdCardFields = Field(default_factory=IdCardFields)
    confidence: dict[str, float] = Field(default_factory=dict)
    refusals: list[Refusal] = Field(default_factory=list)
    portrait: StoredObject | None = None
    needs_manual_review: bool = False
    flags: list[FieldFlag] = Field(default_factory=list)
    warnings: list[QualityWarning] = Field(default_factory=list)

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


class PhotoEdit(StrEnum):
    """What the fix did to the candidate's original: the examiner sees it on the official photo."""

    CROPPED_SCALED = "cropped_scaled"  # one crop, one uniform scale, one re-encode
    BACKGROUND_REPLACED = "background_replaced"  # person placed on RGB(100,197,255), face kept


class PhotoReport(BaseModel):
    rules: list[PhotoRule] = Field(default_factory=list)
    fixable: bool = False  # an auto-fix would make every failing rule pass
    unfixable_codes: list[str] = Field(default_factory=list)
    # Only background rules stand between the photo and the standard: the fix offers to replace
    # the background (the candidate sees the result and accepts it, or retakes).
    background_replaceable: bool = False
    edits: list[PhotoEdit] = Field(default_factory=list)  # on a fixed photo's report

    @property
    def passed(self) -> bool:
        return bool(self.rules) and all(r.passed for r in self.rules)


class FixPhotoInput(BaseModel):
    photo: StoredObject
    fixed_key: str
    replace_background: bool = True  # when the report offers it; False: crop and scale only


class FixPhotoResult(BaseModel):
    fixed: StoredObject | None = None
    report: PhotoReport  # report of the fixed photo, or of the original when nothing was fixed
    refusals: list[Refusal] = Field(default_factory=list)
    background_replaced: bool = False
    face_pixels_changed: int | None = None  # with a replaced background: always 0, measured


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
    #: None for a passport or pass (IdType.PASSPORT): no portrait is cut from a document an
    #: examiner reads, so the burst is matched with the 寸照 only
    id_portrait: StoredObject | None
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
