"""The per-officer hash chain: record hashes, keyed checkpoints of each head, and verification.

record_hash = SHA-256(prev_hash, file SHA-256, canonical metadata). Changing a field, a file, the
order, or deleting a record in the middle breaks a link; deleting the newest records leaves the
chain shorter than its checkpoint, which only the server (holding the keyring, backend/keys.py) can sign.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from backend import keys
from backend.db import session
from backend.errors import NotFound
from backend.evidence.models import ChainCheckpoint, Evidence
from backend.org.models import Officer
from backend.storage import get_storage

GENESIS = "0" * 64


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="microseconds") if moment else None


def _coordinate(value: float | None) -> str | None:
    return f"{value:.7f}" if value is not None else None


def record_payload(evidence: Evidence) -> dict:
    """Every stored fact of a record except the hashes, in a form that survives both databases unchanged."""
    return {
        "officer_id": evidence.officer_id, "seq": evidence.seq, "client_id": evidence.client_id,
        "kind": evidence.kind.value, "source": evidence.source.value, "wechat_media_id": evidence.wechat_media_id,
        "mime": evidence.mime, "size_bytes": evidence.size_bytes,
        "original_key": evidence.original_key, "watermarked_key": evidence.watermarked_key,
        "thumbnail_key": evidence.thumbnail_key, "width": evidence.width, "height": evidence.height,
        "duration_ms": evidence.duration_ms, "captured_at": _time(evidence.captured_at),
        "lat": _coordinate(evidence.lat), "lng": _coordinate(evidence.lng),
        "accuracy_m": f"{evidence.accuracy_m:.1f}" if evidence.accuracy_m is not None else None,
        "place": evidence.place, "exif_taken_at": _time(evidence.exif_taken_at),
        "exif_lat": _coordinate(evidence.exif_lat), "exif_lng": _coordinate(evidence.exif_lng),
        "time_gap_s": evidence.time_gap_s, "place_gap_m": evidence.place_gap_m,
        "subject_type": evidence.subject_type.value if evidence.subject_type else None,
        "subject_ref": evidence.subject_ref, "received_at": _time(evidence.received_at),
    }


def record_hash(evidence: Evidence) -> str:
    canonical = json.dumps(record_payload(evidence), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{evidence.prev_hash}\n{evidence.sha256}\n{canonical}".encode()).hexdigest()


CHECKPOINT_PURPOSE = "evidence-chain"


def checkpoint_mac(officer_id: int, seq: int, head_hash: str) -> str:
    """The checkpoint's signature with the current key: `<key id>.<mac>`."""
    return keys.seal(CHECKPOINT_PURPOSE, f"{officer_id}:{seq}:{head_hash}")


def checkpoint_mac_matches(officer_id: int, seq: int, head_hash: str, mac: str) -> bool:
    """Whether `mac` signs this head with a key still in the ring (checkpoints from before key ids included)."""
    message = f"{officer_id}:{seq}:{head_hash}"
    return keys.unseal(CHECKPOINT_PURPOSE, message, mac) or keys.matches_unversioned(
        mac, lambda secret: hmac.new(secret, f"{CHECKPOINT_PURPOSE}:{message}".encode(), hashlib.sha256).hexdigest())


def re_sign_checkpoints() -> tuple[int, int]:
    """Sign again with the current key every checkpoint whose signature holds (before a key is retired).

    Returns (re-signed, left alone): a checkpoint whose signature does not hold keeps it, so the
    verification still reports it.
    """
    checkpoints = session.scalars(select(ChainCheckpoint)).all()
    valid = [c for c in checkpoints if checkpoint_mac_matches(c.officer_id, c.seq, c.head_hash, c.mac)]
    for checkpoint in valid:
        checkpoint.mac = checkpoint_mac(checkpoint.officer_id, checkpoint.seq, checkpoint.head_hash)
    return len(valid), len(checkpoints) - len(valid)


def append(evidence: Evidence) -> None:
    """Link `evidence` after the officer's head (the caller holds the officer's lock) and move the checkpoint."""
    head = session.scalars(select(Evidence).where(Evidence.officer_id == evidence.officer_id)
                           .order_by(Evidence.seq.desc()).limit(1)).first()
    evidence.seq = head.seq + 1 if head else 1
    evidence.prev_hash = head.record_hash if head else GENESIS
    evidence.record_hash = record_hash(evidence)
    checkpoint = session.get(ChainCheckpoint, evidence.officer_id)
    if checkpoint is None:
        checkpoint = ChainCheckpoint(officer_id=evidence.officer_id)
        session.add(checkpoint)
    checkpoint.seq, checkpoint.head_hash = evidence.seq, evidence.record_hash
    checkpoint.mac = checkpoint_mac(evidence.officer_id, evidence.seq, evidence.record_hash)


@dataclass
class ChainReport:
    """The outcome of verifying one officer's chain; `broken_seq`/`problem`/`message` name the first broken link."""

    officer_id: int
    badge_no: str
    records: int
    intact: bool = True
    broken_seq: int | None = None
    problem: str | None = None
    message: str | None = None

    def broken(self, seq: int, problem: str, message: str) -> ChainReport:
        self.intact, self.broken_seq, self.problem = False, seq, problem
        self.message = f"执法证号 {self.badge_no} 的证据链第 {seq} 条：{message}"
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def verify_chain(officer: Officer) -> ChainReport:
    """Walk one officer's chain from the start (records, links, files, checkpoint); stop at the first break."""
    records = session.scalars(select(Evidence).where(Evidence.officer_id == officer.id).order_by(Evidence.seq)
                              .execution_options(populate_existing=True)).all()  # what is stored, not a cached copy
    report = ChainReport(officer.id, officer.badge_no, len(records))
    previous_hash, expected_seq = GENESIS, 1
    for record in records:
        if record.seq != expected_seq:
            return report.broken(expected_seq, "record_missing",
                                 f"记录缺失（第 {expected_seq} 至 {record.seq - 1} 条已被删除）")
        if record_hash(record) != record.record_hash:
            return report.broken(record.seq, "record_altered", "记录内容被改动（记录哈希不符）")
        if record.prev_hash != previous_hash:
            return report.broken(record.seq, "link_broken", "与前一条记录的链接断开（顺序被调换或前一条被改动）")
        problem = _file_problem(record)
        if problem:
            return report.broken(record.seq, *problem)
        previous_hash, expected_seq = record.record_hash, record.seq + 1
    return _check_head(report, records[-1] if records else None)


def _file_problem(record: Evidence) -> tuple[str, str] | None:
    try:
        data = get_storage().get(record.original_key)
    except NotFound:
        return "file_missing", "原始文件缺失"
    if hashlib.sha256(data).hexdigest() != record.sha256:
        return "file_altered", "原始文件内容与登记的 SHA-256 不符（文件被篡改或损坏）"
    return None


def _check_head(report: ChainReport, head: Evidence | None) -> ChainReport:
    checkpoint = session.get(ChainCheckpoint, report.officer_id, populate_existing=True)
    if checkpoint is None:
        if head is None:
            return report
        return report.broken(head.seq, "checkpoint_missing", "链头检查点缺失，无法确认最新记录未被删除")
    if not checkpoint_mac_matches(checkpoint.officer_id, checkpoint.seq, checkpoint.head_hash, checkpoint.mac):
        return report.broken(checkpoint.seq, "checkpoint_forged", "链头检查点的签名无效（检查点被改动）")
    last_seq = head.seq if head else 0
    if checkpoint.seq > last_seq:
        return report.broken(last_seq + 1, "head_truncated",
                             f"最新的记录被删除（检查点记到第 {checkpoint.seq} 条，现只到第 {last_seq} 条）")
    if checkpoint.seq < last_seq or checkpoint.head_hash != head.record_hash:
        return report.broken(checkpoint.seq, "checkpoint_mismatch", "链头与检查点不一致")
    return report


def chain_officers(officers_query=None) -> list[Officer]:
    """Officers that have a chain (a record or a checkpoint), optionally limited by a SELECT of officer ids."""
    ids = select(Evidence.officer_id).union(select(ChainCheckpoint.officer_id))
    stmt = select(Officer).where(Officer.id.in_(ids)).order_by(Officer.id)
    if officers_query is not None:
        stmt = stmt.where(Officer.id.in_(officers_query))
    return list(session.scalars(stmt))
