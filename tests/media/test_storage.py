"""Write-once file storage: the local folder and an S3 bucket (moto's real S3 API on 127.0.0.1)."""
import hashlib
import io
from dataclasses import replace

import pytest
from moto.server import ThreadedMotoServer

from backend.config import settings
from backend.errors import Conflict, NotFound, ServiceUnavailable
from backend.storage import MULTIPART_PART_SIZE, LocalAppendOnlyFile, LocalStorage, S3Storage, storage_for


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_storage(endpoint: str, bucket: str) -> S3Storage:
    """The storage the settings of a bucket on the moto server give, the bucket made."""
    store = storage_for(replace(settings(), STORAGE_S3_BUCKET=bucket, STORAGE_S3_ENDPOINT_URL=endpoint,
                                STORAGE_S3_REGION="us-east-1", STORAGE_S3_ACCESS_KEY_ID="test",
                                STORAGE_S3_SECRET_ACCESS_KEY="test"))
    store.client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return storage_for(replace(settings(), FILES_DIR=str(tmp_path)))
    bucket = f"evidence-{tmp_path.name.lower().replace('_', '-')}"[:60]
    return s3_storage(request.getfixturevalue("s3_endpoint"), bucket)


def test_config_picks_the_backend(storage, request):
    assert isinstance(storage, S3Storage if "s3" in request.node.callspec.id else LocalStorage)


def test_put_then_get_and_exists(storage):
    assert not storage.exists("evidence/ab/abc.jpg")
    storage.put("evidence/ab/abc.jpg", b"\xff\xd8photo", "image/jpeg")
    assert storage.exists("evidence/ab/abc.jpg")
    assert storage.get("evidence/ab/abc.jpg") == b"\xff\xd8photo"


def test_same_bytes_again_is_a_no_op_and_different_bytes_are_refused(storage):
    storage.put("k/one.bin", b"first", "application/octet-stream")
    storage.put("k/one.bin", b"first", "application/octet-stream")
    with pytest.raises(Conflict) as refused:
        storage.put("k/one.bin", b"second", "application/octet-stream")
    assert refused.value.code == "storage_conflict"
    assert storage.get("k/one.bin") == b"first"


def test_missing_key_is_not_found(storage):
    with pytest.raises(NotFound):
        storage.get("nothing/here.jpg")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "a//b", "a/../b", "a b", ""])
def test_keys_outside_the_store_are_refused(storage, key):
    with pytest.raises(ValueError):
        storage.put(key, b"x", "text/plain")


def test_local_files_are_read_only_and_leave_no_temporary_files(tmp_path):
    store = LocalStorage(tmp_path)
    store.put("a/b.jpg", b"data", "image/jpeg")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.jpg"]
    assert (tmp_path / "a" / "b.jpg").stat().st_mode & 0o222 == 0


def test_unreachable_bucket_is_a_service_error_not_a_crash():
    store = S3Storage("evidence", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="y")
    store.client.meta.config.retries = {"max_attempts": 0}
    with pytest.raises(ServiceUnavailable):
        store.exists("a.jpg")


def test_the_local_append_only_file_reads_back_lines_of_any_length_both_ways(tmp_path):
    log = LocalAppendOnlyFile(tmp_path / "instance" / "heads.jsonl")
    assert list(log.newest_first()) == []
    entries = [b"a" * 100_000, b"short", b"c" * 70_000]  # longer than the block read backwards
    for entry in entries:
        log.append(entry)
    assert list(log.entries()) == entries
    assert list(log.newest_first()) == entries[::-1]
    with pytest.raises(ValueError):
        log.append(b"two\nlines")


def test_an_entry_after_a_line_cut_short_by_a_crash_is_whole(tmp_path):
    log = LocalAppendOnlyFile(tmp_path / "heads.jsonl")
    log.append(b"first")
    with open(log.path, "ab") as file:
        file.write(b'{"cut sho')
    log.append(b"second")
    assert list(log.entries()) == [b"first", b'{"cut sho', b"second"]


def _big_file(tmp_path, size: int, seed: bytes = b"a") -> io.BufferedRandom:
    """A file of `size` bytes that do not repeat (a compressing proxy could not shorten them)."""
    file = open(tmp_path / f"big-{seed.decode()}.bin", "w+b")  # noqa: SIM115 (closed by the test's tmp_path)
    block = hashlib.sha256(seed).digest() * 32768  # 1 MiB
    for n in range(size // len(block) + 1):
        file.write(hashlib.sha256(seed + bytes([n % 256])).digest()[:8] + block[8:])
    file.truncate(size)
    return file


def test_a_large_file_goes_up_in_parts_is_read_back_in_chunks_and_is_written_once(storage, tmp_path):
    size = 2 * MULTIPART_PART_SIZE + 12345  # three parts on S3
    big = _big_file(tmp_path, size)
    storage.put_file("archives/2029-12/part-0001.csv.gz", big, "application/gzip")
    if isinstance(storage, S3Storage):  # an object made of parts has the ETag "<md5 of the parts' md5s>-<parts>"
        head = storage.client.head_object(Bucket=storage.bucket, Key="archives/2029-12/part-0001.csv.gz")
        assert head["ETag"].strip('"').endswith("-3") and head["ContentLength"] == size
    chunks = list(storage.get_file("archives/2029-12/part-0001.csv.gz"))
    assert len(chunks) > 2 and max(len(c) for c in chunks) <= 1 << 20  # streamed, never whole in memory
    big.seek(0)
    assert hashlib.sha256(b"".join(chunks)).digest() == hashlib.sha256(big.read()).digest()

    storage.put_file("archives/2029-12/part-0001.csv.gz", big, "application/gzip")  # a retry: a no-op
    with pytest.raises(Conflict):
        storage.put_file("archives/2029-12/part-0001.csv.gz", _big_file(tmp_path, size, b"b"), "application/gzip")
    if isinstance(storage, S3Storage):  # the refused upload's parts are gone too
        assert storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
    with pytest.raises(NotFound):
        storage.get_file("archives/2029-12/part-0002.csv.gz")


class _DiskFailingAfter(io.FileIO):
    """A file whose reading fails past `limit` bytes, as a disk error would."""

    limit = MULTIPART_PART_SIZE + 1

    def read(self, size=-1):
        if self.tell() >= self.limit:
            raise OSError(5, "Input/output error")
        return super().read(size)


def test_a_multipart_upload_that_fails_midway_is_aborted_and_leaves_no_object(request, tmp_path):
    storage = s3_storage(request.getfixturevalue("s3_endpoint"), "archives-abort")
    path = tmp_path / "big-a.bin"
    _big_file(tmp_path, 3 * MULTIPART_PART_SIZE).close()
    with _DiskFailingAfter(path, "r") as failing, pytest.raises(OSError):
        storage.put_file("archives/2029-11/part-0001.csv.gz", failing, "application/gzip")
    assert storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
    assert not storage.exists("archives/2029-11/part-0001.csv.gz")
