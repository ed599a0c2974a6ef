"""Where files live: a local folder by default, an S3-compatible bucket when configured. Write-once.

A key, once written, is never overwritten: writing the same bytes again is a no-op (a retried
upload), different bytes under the same key are a Conflict. Keys are made by the server
(e.g. "evidence/originals/ab/<sha256>.jpg"), never taken from a client's file name. A file is
deleted only when no record refers to it any more (the orphan sweep, backend.files).
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import current_app

from backend.errors import Conflict, NotFound, ServiceUnavailable

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def keys_written_before(self, prefix: str, moment: datetime) -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _conflict(key: str) -> Conflict:
    return Conflict(f"文件 {key} 已存在且内容不同，不能覆盖", code="storage_conflict")


def _missing(key: str) -> NotFound:
    return NotFound(f"文件 {key} 不存在", code="file_missing")


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("文件存储暂不可用，请稍后再试", code="storage_unavailable")


class LocalStorage:
    """Files under a folder; a new file appears atomically (hard link of a complete temporary file)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, target)  # fails if the key exists: never overwrites
            except FileExistsError:
                if target.read_bytes() != data:
                    raise _conflict(key) from None
        finally:
            os.unlink(temporary)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise _missing(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys_written_before(self, prefix: str, moment: datetime) -> Iterator[str]:
        """The keys under the folder `prefix` last written before `moment` (not the temporary file of a put)."""
        for path in self.path(prefix).rglob("*"):
            if not path.name.startswith(".") and path.is_file() and path.stat().st_mtime < moment.timestamp():
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket; a conditional PUT (If-None-Match: *) never overwrites."""

    def __init__(self, bucket: str, **client_options):
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", **{k: v for k, v in client_options.items() if v})

    def put(self, key: str, data: bytes, content_type: str) -> None:
        _, refusal = self._call("put_object", Key=_checked(key), Body=data, ContentType=content_type, IfNoneMatch="*")
        if refusal and self.get(key) != data:
            raise _conflict(key)

    def get(self, key: str) -> bytes:
        response, refusal = self._call("get_object", Key=_checked(key))
        if refusal:
            raise _missing(key)
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        return self._call("head_object", Key=_checked(key))[1] is None

    def keys_written_before(self, prefix: str, moment: datetime) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{_checked(prefix)}/")
        for page in pages:
            yield from (item["Key"] for item in page.get("Contents", ()) if item["LastModified"] < moment)

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=_checked(key))

    _REFUSALS = {"NoSuchKey", "404", "PreconditionFailed", "ConditionalRequestConflict"}

    def _call(self, operation: str, **params) -> tuple[dict | None, str | None]:
        """(response, None), or (None, code) for a missing or existing key; anything else is ServiceUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params), None
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in self._REFUSALS:
                return None, code
            raise _unavailable() from error
        except BotoCoreError as error:
            raise _unavailable() from error


def storage_from_config(config) -> Storage:
    """S3 when STORAGE_S3_BUCKET is set, otherwise the local FILES_DIR."""
    if config.get("STORAGE_S3_BUCKET"):
        return S3Storage(
            config["STORAGE_S3_BUCKET"],
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL"),
            region_name=config.get("STORAGE_S3_REGION"),
            aws_access_key_id=config.get("STORAGE_S3_ACCESS_KEY_ID"),
            aws_secret_access_key=config.get("STORAGE_S3_SECRET_ACCESS_KEY"),
        )
    return LocalStorage(config["FILES_DIR"])


def get_storage() -> Storage:
    """The current app's storage (made once per app)."""
    extensions = current_app.extensions
    if "storage" not in extensions:
        extensions["storage"] = storage_from_config(current_app.config)
    return extensions["storage"]
