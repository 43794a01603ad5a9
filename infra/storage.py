"""Object storage for uploaded images: a local directory by default, S3 (boto3) in production."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from domain.objects import StoredObject

if TYPE_CHECKING:
    from infra.config import Settings


class ObjectNotFound(KeyError):
    pass


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str = ...) -> StoredObject: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def usage(self, prefix: str) -> int: ...
    def delete_prefix(self, prefix: str) -> int: ...


def _describe(key: str, data: bytes, content_type: str) -> StoredObject:
    return StoredObject(
        key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type=content_type
    )


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid object key: {key!r}")
    return key


class LocalObjectStore:
    """Files under one directory; atomic writes (temp + rename): a crash leaves no half file."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return _describe(key, data, content_type)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def usage(self, prefix: str) -> int:
        """Bytes stored under `prefix` (an application's folder, for its quota)."""
        root = self._path(prefix.rstrip("/"))
        if not root.is_dir():
            return 0
        return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())

    def delete_prefix(self, prefix: str) -> int:
        """Deletes every object under `prefix` (an application's folder); how many there were."""
        root = self._path(prefix.rstrip("/"))
        if not root.is_dir():
            return 0
        files = [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            path.unlink(missing_ok=True)
        for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            folder.rmdir()
        root.rmdir()
        return len(files)


class S3ObjectStore:
    def __init__(self, bucket: str, client: Any) -> None:  # a boto3 S3 client: boto3 is untyped
        self.bucket = bucket
        self.client = client

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        self.client.put_object(
            Bucket=self.bucket, Key=_safe_key(key), Body=data, ContentType=content_type
        )
        return _describe(key, data, content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_safe_key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectNotFound(key) from exc
        data: bytes = answer["Body"].read()
        return data

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_safe_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_safe_key(key))
        except ClientError as exc:  # only "not there" is False; a network fault must surface
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def usage(self, prefix: str) -> int:
        total = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=_safe_key(prefix.rstrip("/")) + "/"
        )
        for page in pages:
            total += sum(item["Size"] for item in page.get("Contents", []))
        return total

    def delete_prefix(self, prefix: str) -> int:
        """Deletes every object under `prefix`, 1000 keys a request (S3's batch limit)."""
        deleted = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=_safe_key(prefix.rstrip("/")) + "/"
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                deleted += len(keys)
        return deleted

    def presigned_url(self, key: str, expires_s: int = 300) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": _safe_key(key)}, ExpiresIn=expires_s
        )
        return url


def sign_object_url(secret: str, key: str, expires_s: int = 300, now: float | None = None) -> str:
    """Short-lived signed query for the API's own /files route (local storage has no presigning)."""
    exp = int((now if now is not None else time.time()) + expires_s)
    sig = hmac.new(secret.encode(), f"{key}|{exp}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"/files/{key}?exp={exp}&sig={sig}"


def verify_object_signature(
    secret: str, key: str, exp: int, sig: str, now: float | None = None
) -> bool:
    if exp < (now if now is not None else time.time()):
        return False
    good = hmac.new(secret.encode(), f"{key}|{exp}".encode(), hashlib.sha256).hexdigest()[:32]
    return hmac.compare_digest(good, sig)


def build_object_store(settings: Settings) -> ObjectStore:
    if settings.storage_backend == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )
        return S3ObjectStore(settings.s3_bucket, client)
    return LocalObjectStore(settings.resolved_storage_dir)
