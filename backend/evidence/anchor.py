"""Signed tree heads of every evidence chain, anchored outside the database on write-once storage.

Whoever can edit the database can delete an officer's whole chain with its checkpoint, put an older
checkpoint back after deleting the newest records, or delete custody entries, and nothing left in the
database shows it. So the job `evidence.anchor_chains` writes, whenever the chains have grown, a tree
head in the manner of Certificate Transparency (RFC 6962): every officer's leaf (officer id, records,
head hash, custody entries, custody head hash), their number, a timestamp, the Merkle root over them,
the hash of the previous tree head, the signing key's id and a signature, to a log nobody rewrites
(backend.storage: an S3 bucket with Object Lock, or a local file only ever appended to). Verification
holds each chain against its leaf in the latest tree head (backend.evidence.chain.verify_chain).

A tree head never forgets: a chain that no longer extends what was anchored (gone, shorter, or its
anchored head rewritten) keeps its anchored leaf in the next head, so it stays reported until it is
restored. A later head thus holds every chain of an earlier one at no shorter length, which
`audit_tree_heads` checks over the whole log.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import func, select, tuple_

from backend.config import settings
from backend.db import session, utcnow
from backend.evidence.chain import GENESIS, Leaf, signing_key_id, tree_head_signature, tree_head_signed
from backend.evidence.models import CustodyEntry, Evidence
from backend.files import claim_keys
from backend.storage import AppendOnlyLog, append_only_log

log = logging.getLogger(__name__)

LOG_NAME = "evidence-tree-heads"


def tree_head_log() -> AppendOnlyLog:
    return append_only_log(settings(), LOG_NAME)


def merkle_root(leaves: list[bytes]) -> str:
    """The Merkle tree hash of RFC 6962 §2.1 (leaf and node hashes prefixed 0x00 and 0x01)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _subtree([hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]).hex()


def _subtree(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << (len(hashes) - 1).bit_length() - 1  # the largest power of two below the count
    return hashlib.sha256(b"\x01" + _subtree(hashes[:split]) + _subtree(hashes[split:])).digest()


def _leaf_bytes(leaf: Leaf) -> bytes:
    return f"{leaf.officer_id}:{leaf.records}:{leaf.head}:{leaf.custody}:{leaf.custody_head}".encode()


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp: str  # UTC, ISO 8601
    root_hash: str
    previous: str  # SHA-256 of the previous tree head as stored (GENESIS for the first)
    key_id: str
    signature: str
    chains: dict[int, Leaf]

    def signed_digest(self) -> str:
        return hashlib.sha256(f"evidence-tree-head:{self.tree_size}:{self.timestamp}:{self.root_hash}:"
                              f"{self.previous}".encode()).hexdigest()

    def to_bytes(self) -> bytes:
        return json.dumps({
            "tree_size": self.tree_size, "timestamp": self.timestamp, "root_hash": self.root_hash,
            "previous": self.previous, "key_id": self.key_id, "signature": self.signature,
            "chains": [[leaf.officer_id, leaf.records, leaf.head, leaf.custody, leaf.custody_head]
                       for _, leaf in sorted(self.chains.items())],
        }, sort_keys=True, separators=(",", ":")).encode()

    @property
    def entry_hash(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def parse(cls, data: bytes) -> TreeHead:
        """A stored tree head, exactly as written (ValueError otherwise)."""
        try:
            fields = json.loads(data)
            chains = {row[0]: Leaf(*row) for row in fields.pop("chains")}
            head = cls(**fields, chains=chains)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            raise ValueError("无法解析") from error
        if head.to_bytes() != data:
            raise ValueError("格式不规范")
        return head

    def problem(self) -> str | None:
        """Why this tree head is not one the server signed, or None."""
        if self.tree_size != len(self.chains):
            return "树的大小与所含证据链数不符"
        if self.root_hash != merkle_root([_leaf_bytes(leaf) for _, leaf in sorted(self.chains.items())]):
            return "默克尔根与所含证据链不符"
        if tree_head_signed(self.tree_size, self.signed_digest(), self.signature):
            return None
        if self.key_id != signing_key_id():
            return f"签名无效：签名密钥 {self.key_id} 不是本系统的密钥"
        return "签名无效"


def _signed(chains: dict[int, Leaf], previous: TreeHead | None) -> TreeHead:
    unsigned = TreeHead(len(chains), utcnow().isoformat(timespec="microseconds"),
                        merkle_root([_leaf_bytes(leaf) for _, leaf in sorted(chains.items())]),
                        previous.entry_hash if previous else GENESIS, signing_key_id(), "", chains)
    return replace(unsigned, signature=tree_head_signature(unsigned.tree_size, unsigned.signed_digest()))


def _valid_heads(entries: Iterator[bytes]) -> Iterator[TreeHead]:
    for data in entries:
        try:
            head = TreeHead.parse(data)
        except ValueError:
            continue
        if head.problem() is None:
            yield head


def latest_tree_head() -> TreeHead | None:
    """The newest tree head the server signed (one appended by anyone else is passed over)."""
    return next(_valid_heads(tree_head_log().newest_first()), None)


def anchored_chains() -> dict[int, Leaf]:
    """Each officer's leaf in the latest tree head (none before the first)."""
    latest = latest_tree_head()
    return latest.chains if latest else {}


# -- writing ----------------------------------------------------------------------------------------

def anchor_chains() -> dict:
    """Write a tree head of every chain when they changed since the latest one (the job evidence.anchor_chains)."""
    claim_keys([LOG_NAME])  # one writer at a time, or two heads would follow the same previous one
    latest = latest_tree_head()
    anchored = latest.chains if latest else {}
    chains, kept = _chains_to_anchor(anchored)
    if kept:
        log.warning("%d evidence chains no longer extend their anchored state; their anchored leaves are kept", kept)
    if latest is not None and chains == anchored:
        return {"written": 0, "chains": len(chains), "kept": kept}
    head = _signed(chains, latest)
    tree_head_log().append(head.to_bytes())
    return {"written": 1, "chains": len(chains), "kept": kept}


def _chains_to_anchor(anchored: dict[int, Leaf]) -> tuple[dict[int, Leaf], int]:
    """Each chain as it stands where it extends its anchored leaf, else the anchored leaf; how many were kept."""
    chains = current_leaves()
    records_at = _hashes_at(select(Evidence.officer_id, Evidence.seq, Evidence.record_hash),
                            [(leaf.officer_id, leaf.records) for leaf in anchored.values()])
    custody_at = _hashes_at(_CUSTODY_HEADS, [(leaf.officer_id, leaf.custody) for leaf in anchored.values()])
    kept = 0
    for officer_id, leaf in anchored.items():
        now = chains.get(officer_id)
        extends = (now is not None and now.records >= leaf.records and now.custody >= leaf.custody
                   and records_at.get((officer_id, leaf.records)) == leaf.head
                   and (not leaf.custody or custody_at.get((officer_id, leaf.custody)) == leaf.custody_head))
        if not extends:
            chains[officer_id] = leaf
            kept += 1
    return chains, kept


# Each custody entry with the officer whose chain it is in, and its position and hash there.
_CUSTODY_HEADS = select(Evidence.officer_id, CustodyEntry.seq, CustodyEntry.entry_hash).select_from(CustodyEntry) \
    .join(Evidence)


def current_leaves() -> dict[int, Leaf]:
    """Every officer's chains as they stand: the newest record's and custody entry's position and hash."""
    newest_records = select(Evidence.officer_id, func.max(Evidence.seq)).group_by(Evidence.officer_id)
    newest_entries = (select(Evidence.officer_id, func.max(CustodyEntry.seq)).select_from(CustodyEntry).join(Evidence)
                      .group_by(Evidence.officer_id))
    custody = {officer_id: (seq, entry_hash) for officer_id, seq, entry_hash in session.execute(
        _CUSTODY_HEADS.where(tuple_(Evidence.officer_id, CustodyEntry.seq).in_(newest_entries)))}
    return {officer_id: Leaf(officer_id, seq, record_hash, *custody.get(officer_id, (0, GENESIS)))
            for officer_id, seq, record_hash in session.execute(
                select(Evidence.officer_id, Evidence.seq, Evidence.record_hash)
                .where(tuple_(Evidence.officer_id, Evidence.seq).in_(newest_records)))}


def _hashes_at(stmt, positions: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The hash `stmt` (officer id, position, hash) finds at each (officer id, position)."""
    officer_column, seq_column, _ = stmt.selected_columns
    found = {}
    for start in range(0, len(positions), 500):
        chunk = stmt.where(tuple_(officer_column, seq_column).in_(positions[start:start + 500]))
        found.update(((officer_id, seq), value) for officer_id, seq, value in session.execute(chunk))
    return found


# -- auditing the log itself -------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """What is wrong with the log of tree heads (about no one officer's chain)."""

    code: str
    message: str
    officer_id = None


def audit_tree_heads() -> tuple[int, TreeHead | None, list[Finding]]:
    """Walk the whole log oldest first: each tree head signed by the server, linked to the one before, and
    holding every chain of the one before at no shorter length. (heads read, latest valid head, findings)"""
    count, previous, findings = 0, None, []
    for count, data in enumerate(tree_head_log().entries(), start=1):
        try:
            head = TreeHead.parse(data)
            why = head.problem()
        except ValueError as error:
            why = str(error)
        if why:
            findings.append(Finding("tree_head_forged", f"第 {count} 个树头不是本系统签发的（{why}）"))
            continue
        expected = previous.entry_hash if previous else GENESIS
        if head.previous != expected:
            findings.append(Finding("tree_head_missing",
                                    f"第 {count} 个树头（{head.timestamp}）之前的树头缺失或被替换"))
        findings.extend(Finding("tree_head_inconsistent", f"第 {count} 个树头（{head.timestamp}）{shrunk}")
                        for shrunk in _shrunk(previous, head))
        previous = head
    return count, previous, findings


def _shrunk(earlier: TreeHead | None, later: TreeHead) -> Iterator[str]:
    for officer_id, before in (earlier.chains.items() if earlier else ()):
        after = later.chains.get(officer_id)
        if after is None:
            yield f"丢了人员 #{officer_id} 的证据链"
        elif after.records < before.records or after.custody < before.custody:
            yield f"中人员 #{officer_id} 的证据链或保管日志比前一个树头短"
        elif (after.records, after.custody) == (before.records, before.custody) and after != before:
            yield f"中人员 #{officer_id} 的链头与前一个树头不同（长度未变）"
