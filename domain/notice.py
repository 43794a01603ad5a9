"""《新生入籍须知》: its text, served to the H5 (GET /api/v1/notice), and its version, which the
case keeps when the candidate accepts it (R6) and the examiner sees. A new text gets a new version;
a candidate who accepted an older one keeps that one on his case."""

from __future__ import annotations

from importlib import resources

from pydantic import BaseModel, Field

from domain.errors import RefusalCode

NOTICE_VERSION = "2026-1"
NOTICE_TITLE = "新生入籍须知"
#: one paragraph a line; a new version is a new file, the old ones stay for the record
NOTICE: tuple[str, ...] = tuple(
    resources.files("domain")
    .joinpath(f"data/notice/{NOTICE_VERSION}.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)


class NoticeRefusal(RefusalCode):
    """Accepting the notice."""

    NOTICE_OUTDATED = "NOTICE_OUTDATED", "《新生入籍须知》已更新，请重新阅读后再确认"


class Notice(BaseModel):
    version: str
    title: str
    paragraphs: list[str]


class NoticeAcceptance(BaseModel):
    """The version of the text the candidate was shown when he ticked 「我已阅读」."""

    version: str = Field(min_length=1, max_length=20)


def current_notice() -> Notice:
    return Notice(version=NOTICE_VERSION, title=NOTICE_TITLE, paragraphs=list(NOTICE))
