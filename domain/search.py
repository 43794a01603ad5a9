"""Custom search attributes: what operators filter by in the Web UI. None carries personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STATUS = SearchAttributeKey.for_keyword("RujiStatus")
REGION = SearchAttributeKey.for_keyword("RujiRegion")
MAJOR = SearchAttributeKey.for_keyword("RujiMajor")
LEVEL = SearchAttributeKey.for_keyword("RujiLevel")
PERIOD = SearchAttributeKey.for_keyword("RujiPeriod")
SUBMITTED_AT = SearchAttributeKey.for_datetime("RujiSubmittedAt")
NEEDS_MANUAL_REVIEW = SearchAttributeKey.for_bool("RujiNeedsManualReview")

#: RujiStatus of every step before submission in runs of the lean shape (workflows/shape.py)
APPLYING = "APPLYING"

ALL = (STATUS, REGION, MAJOR, LEVEL, PERIOD, SUBMITTED_AT, NEEDS_MANUAL_REVIEW)

#: `temporal server start-dev --search-attribute` spelling
CLI_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


def cli_flags() -> list[str]:
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={CLI_TYPES[key.indexed_value_type.name]}"]
    return flags
