"""The ID-photo standard (REQUIREMENTS.md, Attachment 2 — the national graduation-photo standard
that CHSI uses) as numbers, rule codes and the Chinese text a candidate reads.

Every threshold the checker and the auto-fix use lives here, so a change of the standard (or a
recalibration) is one edit. Geometry is in pixels of the 480×640 frame; colour distances are
CIE76 ΔE in CIELAB. Figures marked "calibrated" are not in the standard: they were set on
generated photos built from the face fixtures (no Chinese faces among them — see
docs/decisions.md) with a margin on both sides.
"""

from __future__ import annotations

from domain.errors import RefusalCode

# --- file --------------------------------------------------------------------------------------
WIDTH_PX = 480
HEIGHT_PX = 640
DPI = 300
DPI_TOLERANCE = 1.0  # JFIF stores px/cm too: 118 px/cm reads as 299.7 dpi
MIN_QUALITY = 60  # IJG quality factor estimated from the luminance quantization table
MIN_FILE_BYTES = 20 * 1024
MAX_FILE_BYTES = 40 * 1024
EXTENSIONS = (".jpg",)  # the standard says .JPG; compared case-insensitively
GREY_CHROMA_MAX = 3.0  # calibrated: mean Lab chroma below this is a grey picture in RGB clothes

# --- face geometry (px from the top edge / across, in the 480×640 frame) -----------------------
HAIRLINE_PX = (50.0, 110.0)  # top of the head (hair) from the top edge
EYES_PX = (200.0, 300.0)  # eye line from the top edge
FACE_WIDTH_PX = (180.0, 300.0)  # cheek to cheek (landmarks 1 and 15 of the 68-point model)
CENTRE_TOLERANCE_PX = 24.0  # 5 % of the width, either side of x = 240
EYE_OPEN_MIN_RATIO = 0.14  # calibrated: eye aspect ratio (height / width); open ≥ 0.17, shut ≈ 0.09
ROLL_MAX_DEG = 6.0  # calibrated: tilt of the eye line
YAW_MAX = 0.18  # calibrated: nose-to-cheek asymmetry |l − r| / (l + r); frontal ≤ 0.11, ~15° ≥ 0.21

# --- background --------------------------------------------------------------------------------
BACKGROUND_RGB = (100, 197, 255)
BG_MAX_DELTA_E = 15.0  # calibrated: median background colour to the reference
BG_MAX_BLOCK_DELTA_E = 8.0  # calibrated: any 32-px block's mean to the background median
BG_OUTLIER_DELTA_E = 18.0  # a background pixel this far from the median is "something else"
BG_MAX_OUTLIER_SHARE = 0.01  # calibrated: shadows, objects, other people, text

# --- light and image ---------------------------------------------------------------------------
FACE_LIGHTNESS = (32.0, 85.0)  # calibrated: mean L* of the face
FACE_MAX_SIDE_DIFF = 20.0  # calibrated: |mean L* left half − right half| of the face
HIGHLIGHT_MIN_VALUE = 248  # a channel minimum this high is a blown highlight
MAX_HIGHLIGHT_SHARE = 0.004  # calibrated: share of the face area
MAX_BLUR = 0.62  # calibrated: Crété-Roffet no-reference blur (0 sharp … 1 flat) of the face
BORDER_MIN_DELTA_E = 12.0  # outer strip vs the strip just inside, per side
BORDER_MIN_SIDES = 2  # of top, left, right (the bottom is clothing)
GLARE_MIN_VALUE = 245  # near-white pixels on a lens, outside the eye itself
GLARE_MAX_PIXELS = 40  # calibrated: per face, in the 480×640 frame
LENS_MIN_TRANSMISSION = 0.41  # calibrated: bright quarter round the clearer eye / its cheek
RED_EYE_MIN_RED_RATIO = 2.6  # a pupil pixel is lit-retina red when R ≥ this × max(G, B), R ≥ 150
RED_EYE_MAX_SHARE = 0.05  # calibrated: of the pupil's place in the redder eye
CLOTHING_MAX_DELTA_E = 20.0  # a chest pixel this near the backdrop colour merges with it
CLOTHING_MAX_SHARE = 0.35  # calibrated: of the chest below the neck
MOUTH_MAX_OPENING = 0.23  # calibrated: inner-lip gap / mouth width (a smile showing teeth ~0.2)

# --- auto-fix targets (inside the ranges, so rounding never tips a fixed photo over) ------------
FIX_EYES_PX = 250.0
FIX_HAIRLINE_PX = 80.0
FIX_MARGIN_PX = 8.0  # how far inside each geometry range the fix must land
FIX_FILE_BYTES = (22 * 1024, 38 * 1024)
FIX_QUALITY = (60, 95)


# --- rule codes --------------------------------------------------------------------------------
class PhotoRefusal(RefusalCode):
    """A rule of Attachment 2 the photo breaks (the message says what to do), or the fix refused."""

    PHOTO_FORMAT = "PHOTO_FORMAT", "照片文件必须是 JPEG 格式"
    PHOTO_EXTENSION = "PHOTO_EXTENSION", "照片文件扩展名应为 .jpg"
    PHOTO_SIZE_PX = "PHOTO_SIZE_PX", "照片尺寸应为 480×640 像素（宽×高）"
    PHOTO_DPI = "PHOTO_DPI", "照片分辨率应为 300 dpi"
    PHOTO_COLOR_MODE = "PHOTO_COLOR_MODE", "照片应为 24 位 RGB 彩色，不能是灰度、CMYK 或带透明通道"
    PHOTO_QUALITY = "PHOTO_QUALITY", "照片压缩过度（JPEG 品质低于 60），请使用原始照片"
    PHOTO_FILE_SIZE = "PHOTO_FILE_SIZE", "照片文件大小应在 20–40 KB 之间"
    PHOTO_FACE_COUNT = "PHOTO_FACE_COUNT", "照片中应有且只有一张清晰的正面人脸"
    PHOTO_CENTERED = "PHOTO_CENTERED", "头部应在照片中水平居中"
    PHOTO_HAIRLINE = "PHOTO_HAIRLINE", "头顶（发际）到照片上边的距离应为 50–110 像素"
    PHOTO_EYES_HEIGHT = "PHOTO_EYES_HEIGHT", "双眼到照片上边的距离应为 200–300 像素"
    PHOTO_FACE_WIDTH = "PHOTO_FACE_WIDTH", "脸部宽度（两颊之间）应为 180–300 像素"
    PHOTO_EYES_OPEN = "PHOTO_EYES_OPEN", "请双眼自然睁开，目视前方"
    PHOTO_MOUTH_OPEN = "PHOTO_MOUTH_OPEN", "请嘴唇自然闭合，不要张嘴"
    PHOTO_POSE = "PHOTO_POSE", "头部应端正、不歪不侧，面向镜头，左右对称"
    PHOTO_BG_COLOR = "PHOTO_BG_COLOR", "背景颜色应为浅蓝色 RGB(100,197,255)"
    PHOTO_BG_UNIFORM = "PHOTO_BG_UNIFORM", "背景应颜色均匀，不能有渐变或明暗不均"
    PHOTO_BG_OBJECTS = "PHOTO_BG_OBJECTS", "背景中不能有阴影、其他人物、物体或文字"
    PHOTO_EXPOSURE = "PHOTO_EXPOSURE", "面部过暗或过亮，请在均匀、充足的光线下重新拍摄"
    PHOTO_LIGHT_EVEN = "PHOTO_LIGHT_EVEN", "面部光照左右不均匀，请使用两侧对称的光源重新拍摄"
    PHOTO_HIGHLIGHTS = "PHOTO_HIGHLIGHTS", "面部有明显反光或光斑，请调整光线后重新拍摄"
    PHOTO_SHARPNESS = "PHOTO_SHARPNESS", "照片模糊，请对焦清晰后重新拍摄"
    PHOTO_BORDER = "PHOTO_BORDER", "照片不能添加边框、文字或图案"
    PHOTO_GLASSES_GLARE = "PHOTO_GLASSES_GLARE", "眼镜镜片有反光，请调整角度或光线后重新拍摄"
    PHOTO_GLASSES_TINTED = "PHOTO_GLASSES_TINTED", "不能佩戴墨镜或有色眼镜，镜片应无色透明"
    PHOTO_RED_EYE = "PHOTO_RED_EYE", "照片有红眼，请关闭闪光灯或调整光线后重新拍摄"
    PHOTO_CLOTHING = (
        "PHOTO_CLOTHING",
        "服装颜色应与背景颜色区分明显，请勿穿浅蓝色等与背景相近颜色的衣服",
    )
    PHOTO_NOT_FIXABLE = "PHOTO_NOT_FIXABLE", "照片无法自动修正，请重新拍摄"
    PHOTO_OBJECT_MISMATCH = "PHOTO_OBJECT_MISMATCH", "照片文件已失效，请重新上传"


#: What each rule expects, as the checker's report shows it.
RULE_EXPECTED: dict[PhotoRefusal, str] = {
    PhotoRefusal.PHOTO_FORMAT: "JPEG",
    PhotoRefusal.PHOTO_EXTENSION: ".jpg",
    PhotoRefusal.PHOTO_SIZE_PX: "480×640 像素（宽×高）",
    PhotoRefusal.PHOTO_DPI: "300 dpi",
    PhotoRefusal.PHOTO_COLOR_MODE: "24 位 RGB 真彩色",
    PhotoRefusal.PHOTO_QUALITY: "JPEG 压缩品质 ≥ 60",
    PhotoRefusal.PHOTO_FILE_SIZE: "20–40 KB",
    PhotoRefusal.PHOTO_FACE_COUNT: "1 张人脸",
    PhotoRefusal.PHOTO_CENTERED: "头部水平居中（±24 像素）",
    PhotoRefusal.PHOTO_HAIRLINE: "头顶距上边 50–110 像素",
    PhotoRefusal.PHOTO_EYES_HEIGHT: "双眼距上边 200–300 像素",
    PhotoRefusal.PHOTO_FACE_WIDTH: "脸宽 180–300 像素",
    PhotoRefusal.PHOTO_EYES_OPEN: "双眼自然睁开",
    PhotoRefusal.PHOTO_MOUTH_OPEN: "嘴唇自然闭合",
    PhotoRefusal.PHOTO_POSE: f"头部端正（倾斜 ≤ {ROLL_MAX_DEG:g}°，左右对称）",
    PhotoRefusal.PHOTO_BG_COLOR: "浅蓝色背景 RGB(100,197,255)",
    PhotoRefusal.PHOTO_BG_UNIFORM: "背景均匀、无渐变",
    PhotoRefusal.PHOTO_BG_OBJECTS: "背景无阴影、人物或物体",
    PhotoRefusal.PHOTO_EXPOSURE: "面部曝光正常",
    PhotoRefusal.PHOTO_LIGHT_EVEN: "面部光照左右均匀",
    PhotoRefusal.PHOTO_HIGHLIGHTS: "面部无反光、光斑",
    PhotoRefusal.PHOTO_SHARPNESS: "图像清晰",
    PhotoRefusal.PHOTO_BORDER: "无边框、无添加内容",
    PhotoRefusal.PHOTO_GLASSES_GLARE: "镜片无反光",
    PhotoRefusal.PHOTO_GLASSES_TINTED: "镜片无色透明",
    PhotoRefusal.PHOTO_RED_EYE: "无红眼",
    PhotoRefusal.PHOTO_CLOTHING: "服装与背景颜色区分明显",
}

# Rules a crop, a scale and a re-encode can make pass without touching what the photo shows.
FIXABLE: frozenset[PhotoRefusal] = frozenset(
    {
        PhotoRefusal.PHOTO_FORMAT,
        PhotoRefusal.PHOTO_EXTENSION,
        PhotoRefusal.PHOTO_SIZE_PX,
        PhotoRefusal.PHOTO_DPI,
        PhotoRefusal.PHOTO_COLOR_MODE,  # CMYK / alpha → RGB; a grey picture stays unfixable
        PhotoRefusal.PHOTO_QUALITY,
        PhotoRefusal.PHOTO_FILE_SIZE,
        PhotoRefusal.PHOTO_CENTERED,
        PhotoRefusal.PHOTO_HAIRLINE,
        PhotoRefusal.PHOTO_EYES_HEIGHT,
        PhotoRefusal.PHOTO_FACE_WIDTH,
    }
)
GEOMETRY: frozenset[PhotoRefusal] = frozenset(
    {
        PhotoRefusal.PHOTO_CENTERED,
        PhotoRefusal.PHOTO_HAIRLINE,
        PhotoRefusal.PHOTO_EYES_HEIGHT,
        PhotoRefusal.PHOTO_FACE_WIDTH,
    }
)

NO_ROOM_MESSAGE = "照片四周留白不足，无法通过裁剪调整头部位置和大小，请重新拍摄"

# Rules a background replacement makes pass: the wall's colour and evenness. Objects and
# shadows beside the person are not among them (they may touch the person's outline).
BACKGROUND_REPLACEABLE: frozenset[PhotoRefusal] = frozenset(
    {PhotoRefusal.PHOTO_BG_COLOR, PhotoRefusal.PHOTO_BG_UNIFORM}
)
