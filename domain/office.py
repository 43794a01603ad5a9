"""The exam office's back office around the review: finding a case, moving a claim, approving
clean cases in bulk. Refusal codes of these actions and the pure rules behind them."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import RefusalCode

#: the bulk action's limit: one request, one progress bar; far more than a page of the queue
BULK_MAX_CASES = 200
TICKET_RE = re.compile(r"^[0-9]{12}$")
#: every dot a keyboard or an OCR engine puts between the parts of a minority name
_NAME_DOTS = re.compile(r"[.·•‧∙⋅・･．。]")


class OfficeRefusal(RefusalCode):
    """Searches, claim moves and bulk review."""

    SEARCH_KEY_REQUIRED = (
        "SEARCH_KEY_REQUIRED",
        "请输入身份证号码、手机号码、姓名或准考证号之一，或选择「我领取的」",
    )
    SEARCH_KEY_INVALID = "SEARCH_KEY_INVALID", "查询内容格式不正确"
    REASSIGN_TARGET_INVALID = (
        "REASSIGN_TARGET_INVALID",
        "该审核员不存在、已停用或无权审核该申请所在地区",
    )
    REASSIGN_SAME_EXAMINER = "REASSIGN_SAME_EXAMINER", "该申请已由该审核员领取"
    NOT_CLEAN = "NOT_CLEAN", "该申请不符合批量审核条件，请逐件审核"
    BULK_TOO_MANY = "BULK_TOO_MANY", f"一次最多批量审核 {BULK_MAX_CASES} 件"


def normalize_name(raw: str) -> str:
    """The form of a name its lookup hash is taken of: full-width letters folded (NFKC), blanks
    removed and every separator dot written as 「·」, so 「买买提 • 艾力」 finds 「买买提·艾力」."""
    folded = unicodedata.normalize("NFKC", raw or "")
    return _NAME_DOTS.sub("·", re.sub(r"\s+", "", folded))
