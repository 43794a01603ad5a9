"""References to stored files. Images never travel in Temporal payloads, only these."""

from __future__ import annotations

from pydantic import BaseModel


class StoredObject(BaseModel):
    key: str
    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    #: an image rendered from a document that is not one (a PDF's pages), for the examiner
    preview: StoredObject | None = None
