"""The files records refer to: written under a claim before the record commits, swept when nothing refers to them.

Storage is write-once and knows no transactions, so a file is written before the commit of the record that
refers to it; a commit that fails leaves the file behind. The nightly sweep deletes files of the folders below
that no record refers to, once they are ORPHAN_GRACE old. A writer claims its keys until its transaction ends,
and the sweep claims a key before it looks it up for the last time, so a request storing the same file
meanwhile (content-addressed keys are shared) is either seen or waited for, never lost.
"""
from __future__ import annotations

import itertools
from datetime import timedelta
from typing import BinaryIO

from sqlalchemy import select, text, union

from backend.db import session, utcnow
from backend.domains import DOMAINS
from backend.registry import resolve
from backend.storage import get_storage

# Files are swept only this long after they were written: time to look into the failure that left them.
ORPHAN_GRACE = timedelta(days=1)


def _referring_columns() -> dict[str, tuple]:
    """Each storage folder with the columns whose records refer to its files (`Domain.stored_files`)."""
    return {folder: tuple(resolve(column) for column in columns)
            for domain in DOMAINS for folder, columns in (domain.stored_files or {}).items()}


def claim_keys(keys) -> None:
    """Keep writers of these storage keys and the orphan sweep apart until this transaction ends.

    PostgreSQL: an advisory lock per key, all in one statement. SQLite: nothing more is needed, every writer (a request
    that writes, a job) holds the database's write lock from its first statement until it ends.
    """
    if session.connection().dialect.name == "postgresql" and (ordered := sorted(set(keys))):
        # one statement for all of them, taken in key order (two writers of the same keys cannot deadlock)
        session.execute(text("select count(pg_advisory_xact_lock(hashtext(k))) from "
                             "(select k from unnest(cast(:keys as text[])) with ordinality as u(k, n) order by n) s"),
                        {"keys": ordered})


def store(writes: list[tuple[str, bytes, str]]) -> None:
    """Write the files (key, bytes, media type) this transaction's records refer to, under their keys' claim."""
    claim_keys(key for key, _, _ in writes)
    storage = get_storage()
    for key, payload, mime in writes:
        storage.put(key, payload, mime)


def store_file(key: str, file: BinaryIO, mime: str) -> None:
    """Like `store`, for one file streamed from a file object (written in chunks, never whole in memory)."""
    claim_keys([key])
    get_storage().put_file(key, file, mime)


def sweep_orphan_files() -> dict:
    """Delete the files of every folder that no record refers to and that were written over ORPHAN_GRACE ago;
    how many went, by folder. Each deletion looks the key up again in a transaction of its own, under the key's
    claim."""
    storage, deleted = get_storage(), {}
    for folder, columns in _referring_columns().items():
        deleted[folder] = 0
        keys = storage.keys_written_before(folder, utcnow() - ORPHAN_GRACE)
        while batch := list(itertools.islice(keys, 500)):
            for key in sorted(set(batch) - _referenced(columns, batch)):
                session.commit()  # the look-up below sees every commit up to now
                claim_keys([key])
                if not _referenced(columns, [key]):
                    storage.delete(key)
                    deleted[folder] += 1
            session.commit()
    return deleted


def _referenced(columns: tuple, keys: list[str]) -> set[str]:
    """Which of these storage keys a record refers to (none, in a folder no column refers to any more)."""
    if not columns:
        return set()
    return set(session.scalars(union(*(select(column).where(column.in_(keys)) for column in columns))))
