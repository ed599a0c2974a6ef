"""Where files live: a local folder by default, an S3-compatible bucket when configured. Write-once.

A key, once written, is never overwritten: writing the same bytes again is a no-op (a retried
upload), different bytes under the same key are a Conflict. Keys are made by the server
(e.g. "evidence/originals/ab/<sha256>.jpg"), never taken from a client's file name. A file is
deleted only when no record refers to it any more (the orphan sweep, backend.files).

An append-only log (the evidence tree heads, backend.evidence.anchor) lives outside the database on
write-once storage too: an S3 bucket with Object Lock, or a local file that is only ever appended to.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

from backend.config import Settings, settings
from backend.errors import Conflict, NotFound, ServiceUnavailable

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def get_file(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def keys_written_before(self, prefix: str, moment: datetime) -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _conflict(key: str) -> Conflict:
    return Conflict(f"文件 {key} 已存在且内容不同，不能覆盖", code="storage_conflict")


def _missing(key: str) -> NotFound:
    return NotFound(f"文件 {key} 不存在", code="file_missing")


_CHUNK = 1 << 20
# A file larger than this goes to S3 in parts of this size (S3 takes parts of 5 MiB to 5 GiB, at most 10,000 of
# them: 78 GiB at this size, far above a month's archive part of some 30-60 MB). Not a setting: boto3's own
# default threshold and part size.
MULTIPART_THRESHOLD = MULTIPART_PART_SIZE = 8 << 20


def _file_sha256(file: BinaryIO) -> str:
    """The SHA-256 of a file's content, read in chunks from its start (the position is left at the end)."""
    file.seek(0)
    digest = hashlib.sha256()
    while chunk := file.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("文件存储暂不可用，请稍后再试", code="storage_unavailable")


class LocalStorage:
    """Files under a folder; a new file appears atomically (hard link of a complete temporary file)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._put(key, lambda file: file.write(data), lambda target: target.read_bytes() == data)

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None:
        """Like `put`, from a file read in chunks from its start (an archive of a month never sits in memory)."""
        def copy(out):
            file.seek(0)
            shutil.copyfileobj(file, out, _CHUNK)

        def same(target: Path) -> bool:
            with target.open("rb") as stored:
                return _file_sha256(stored) == _file_sha256(file)

        self._put(key, copy, same)

    def _put(self, key: str, write, same) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, target)  # fails if the key exists: never overwrites
            except FileExistsError:
                if not same(target):
                    raise _conflict(key) from None
        finally:
            os.unlink(temporary)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise _missing(key) from None

    def get_file(self, key: str) -> Iterator[bytes]:
        """The file's content in chunks, read as they are taken (opened now: a missing key is NotFound here)."""
        try:
            file = self.path(key).open("rb")
        except FileNotFoundError:
            raise _missing(key) from None
        return _chunks_of(file)

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

    def put_file(self, key: str, file: BinaryIO, content_type: str) -> None:
        """Like `put`, the body streamed from a file: one PUT up to MULTIPART_THRESHOLD, a multipart upload above
        (parts read one at a time; the upload aborted if anything fails, so no part is left billed in the bucket)."""
        size = file.seek(0, os.SEEK_END)
        file.seek(0)
        if size > MULTIPART_THRESHOLD:
            refusal = self._put_multipart(_checked(key), file, content_type)
        else:
            _, refusal = self._call("put_object", Key=_checked(key), Body=file, ContentType=content_type,
                                    IfNoneMatch="*")
        if refusal:
            digest = hashlib.sha256()
            for chunk in self.get_file(key):
                digest.update(chunk)
            if digest.hexdigest() != _file_sha256(file):
                raise _conflict(key)

    def _put_multipart(self, key: str, file: BinaryIO, content_type: str) -> str | None:
        """A multipart upload of the file, completed only if the key is still free (If-None-Match: *); None, or
        the refusal's code when the key exists."""
        from botocore.exceptions import BotoCoreError, ClientError

        started, _ = self._call("create_multipart_upload", Key=key, ContentType=content_type)
        upload = {"Key": key, "UploadId": started["UploadId"]}
        try:
            parts = []
            while chunk := file.read(MULTIPART_PART_SIZE):
                number = len(parts) + 1
                answer, _ = self._call("upload_part", Body=chunk, PartNumber=number, **upload)
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            _, refusal = self._call("complete_multipart_upload", MultipartUpload={"Parts": parts}, IfNoneMatch="*",
                                    **upload)
        except BaseException:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, **upload)
            except (BotoCoreError, ClientError):  # the bucket's lifecycle rule ends it (README, "File storage")
                pass
            raise
        if refusal:  # the key was taken meanwhile: the parts uploaded go
            self._call("abort_multipart_upload", **upload)
        return refusal

    def get(self, key: str) -> bytes:
        response, refusal = self._call("get_object", Key=_checked(key))
        if refusal:
            raise _missing(key)
        return response["Body"].read()

    def get_file(self, key: str) -> Iterator[bytes]:
        """The object's content in chunks as S3 sends it, never whole in memory (a missing key is NotFound here)."""
        response, refusal = self._call("get_object", Key=_checked(key))
        if refusal:
            raise _missing(key)
        return _s3_chunks(response["Body"])

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


def _chunks_of(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(_CHUNK):
            yield chunk


def _s3_chunks(body) -> Iterator[bytes]:
    """A streamed S3 body in chunks; a connection lost midway is ServiceUnavailable, like any S3 failure."""
    from botocore.exceptions import BotoCoreError

    try:
        yield from body.iter_chunks(_CHUNK)
    except BotoCoreError as error:
        raise _unavailable() from error
    finally:
        body.close()


class AppendOnlyLog(Protocol):
    def append(self, entry: bytes) -> None: ...

    def entries(self) -> Iterator[bytes]: ...  # oldest first

    def newest_first(self) -> Iterator[bytes]: ...


class LocalAppendOnlyFile:
    """Entries as lines of one file, opened only for appending (O_APPEND) and synced after each entry.

    The service never rewrites it; `chattr +a` (root) makes the kernel refuse anyone else's rewrite too.
    """

    _BLOCK = 1 << 16

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def append(self, entry: bytes) -> None:
        if b"\n" in entry:
            raise ValueError("an entry is one line")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab+") as file:
            if file.seek(0, os.SEEK_END):
                file.seek(-1, os.SEEK_END)
                if file.read(1) != b"\n":  # a line cut short by a crash stays a line of its own
                    entry = b"\n" + entry
            file.write(entry + b"\n")
            file.flush()
            os.fsync(file.fileno())

    def entries(self) -> Iterator[bytes]:
        if self.path.exists():
            with open(self.path, "rb") as file:
                yield from (line.rstrip(b"\n") for line in file if line.strip())

    def newest_first(self) -> Iterator[bytes]:
        """The lines from the end of the file backwards, reading it a block at a time."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as file:
            position, tail = file.seek(0, os.SEEK_END), b""
            while position > 0:
                step = min(self._BLOCK, position)
                position -= step
                file.seek(position)
                lines = (file.read(step) + tail).split(b"\n")
                tail = lines.pop(0)
                yield from (line for line in reversed(lines) if line.strip())
            if tail.strip():
                yield tail


class S3ObjectLockLog:
    """Entries as objects of a bucket with Object Lock, each locked in COMPLIANCE mode for `retention`.

    No one (the bucket's owner included) can delete or change a locked version before its retention ends.
    Whoever holds write access can still put a newer version over a key or hide it behind a delete
    marker, so entries are read from the versions: the first version of each key, delete markers ignored.
    """

    def __init__(self, bucket: S3Storage, prefix: str, retention: timedelta):
        self.bucket, self.prefix, self.retention = bucket, _checked(prefix), retention

    def append(self, entry: bytes) -> None:
        self._check_object_lock()
        now = datetime.now(UTC)
        key = f"{self.prefix}/{now:%Y%m%dT%H%M%S%fZ}-{hashlib.sha256(entry).hexdigest()[:16]}.json"
        _, refusal = self.bucket._call("put_object", Key=key, Body=entry, ContentType="application/json",
                                       IfNoneMatch="*", ObjectLockMode="COMPLIANCE",
                                       ObjectLockRetainUntilDate=now + self.retention)
        if refusal:
            raise _conflict(key)

    def entries(self) -> Iterator[bytes]:
        for key, version in sorted(self._first_versions().items()):
            yield self._get(key, version)

    def newest_first(self) -> Iterator[bytes]:
        for key, version in sorted(self._first_versions().items(), reverse=True):
            yield self._get(key, version)

    def _check_object_lock(self) -> None:
        from botocore.exceptions import ClientError

        try:
            response = self.bucket.client.get_object_lock_configuration(Bucket=self.bucket.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ObjectLockConfigurationNotFoundError":
                raise _unavailable() from error
            response = {}
        if response.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise ServiceUnavailable(
                f"存储桶 {self.bucket.bucket} 未启用对象锁定（Object Lock），不能写入只增不改的记录",
                code="object_lock_missing",
            )

    def _first_versions(self) -> dict[str, str]:
        """Each key with the id of its first (locked) version: S3 lists a key's versions newest first."""
        from botocore.exceptions import BotoCoreError, ClientError

        first: dict[str, str] = {}
        pages = self.bucket.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket.bucket,
                                                                                  Prefix=f"{self.prefix}/")
        try:
            for page in pages:
                first.update((version["Key"], version["VersionId"]) for version in page.get("Versions", ()))
        except (BotoCoreError, ClientError) as error:
            raise _unavailable() from error
        return first

    def _get(self, key: str, version: str) -> bytes:
        response, refusal = self.bucket._call("get_object", Key=key, VersionId=version)
        if refusal:
            raise _missing(key)
        return response["Body"].read()


def append_only_log(current: Settings, name: str) -> AppendOnlyLog:
    """The log `name`: objects under `name/` in EVIDENCE_ANCHOR_S3_BUCKET when set, else EVIDENCE_ANCHOR_FILE."""
    if current.EVIDENCE_ANCHOR_S3_BUCKET:
        bucket = _s3(current, current.EVIDENCE_ANCHOR_S3_BUCKET)
        return S3ObjectLockLog(bucket, name, timedelta(days=current.EVIDENCE_ANCHOR_RETENTION_DAYS))
    return LocalAppendOnlyFile(current.EVIDENCE_ANCHOR_FILE)


def _s3(current: Settings, bucket: str) -> S3Storage:
    return S3Storage(
        bucket,
        endpoint_url=current.STORAGE_S3_ENDPOINT_URL,
        region_name=current.STORAGE_S3_REGION,
        aws_access_key_id=current.STORAGE_S3_ACCESS_KEY_ID,
        aws_secret_access_key=current.STORAGE_S3_SECRET_ACCESS_KEY,
    )


def storage_for(current: Settings) -> Storage:
    """S3 when STORAGE_S3_BUCKET is set, otherwise the local FILES_DIR."""
    if current.STORAGE_S3_BUCKET:
        return _s3(current, current.STORAGE_S3_BUCKET)
    return LocalStorage(current.FILES_DIR)


def get_storage() -> Storage:
    """The current app's storage (made once per app)."""
    extensions = current_app.extensions
    if "storage" not in extensions:
        extensions["storage"] = storage_for(settings())
    return extensions["storage"]
