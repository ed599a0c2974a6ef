"""Patrol positions by month on PostgreSQL: partitions created ahead, old months archived, then dropped.

`duty_position` is partitioned by range of `recorded_at`, one partition a local (Asia/Shanghai) month named
`duty_position_pYYYY_MM`, and a default partition `duty_position_pdefault` that takes any time no month
covers (a far past or future stray), so an intake never fails for a missing partition. The monthly job
creates the months ahead (DUTY_POSITION_MONTHS_AHEAD) and, for the months past the retention
(DUTY_POSITION_RETENTION_MONTHS, the current month included), writes each partition to file storage as gzip
CSV parts (header row, then the table's columns; at most ARCHIVE_PART_ROWS rows a part), records every part
with its SHA-256 in `duty_position_archive`, and drops the partition, all in the job's transaction. The export
is streamed (COPY OUT row by row through gzip into temporary files, stored from them in chunks). Rows that wait
in the default partition are not left behind: a kept month's get its partition made (the rows moved in), and a
month's past the retention are archived by month like a partition's, then deleted.
SQLite keeps a plain table: the job does nothing there.

The archived parts are the city's record of where every officer was: only the city administrator lists
(`archives`) and downloads them (`archive_file`), each part checked against its recorded SHA-256 before a byte
is served (409 `archive_file_altered` if storage changed it).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import func, select, text

from backend import periods
from backend.config import settings
from backend.db import LOCAL_TZ, session
from backend.duty.models import Position, PositionArchive
from backend.errors import Conflict, NotFound
from backend.files import store_file
from backend.org.models import Officer
from backend.org.roles import CITY_ADMINS, require
from backend.storage import get_storage

TABLE = Position.__tablename__
DEFAULT_PARTITION = f"{TABLE}_pdefault"
ARCHIVE_FOLDER = "duty/position-archives"
ARCHIVE_PART_ROWS = 1_000_000  # a part's gzip CSV is some 30-60 MB, written to a temporary file, not memory
_PARTITION = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")


def check_retention(months: int) -> int:
    """A retention must keep the current month (1: only the current month is kept)."""
    if months < 1:
        raise ValueError(f"DUTY_POSITION_RETENTION_MONTHS={months} 会删除当月的巡查位置：至少为 1（只保留当月）")
    return months


def check_months_ahead(months: int) -> int:
    if months < 1:
        raise ValueError(f"DUTY_POSITION_MONTHS_AHEAD={months}：至少提前建好下个月的分区（≥ 1）")
    return months


def partitioned() -> bool:
    """Whether this database keeps patrol positions in monthly partitions (PostgreSQL)."""
    return session.connection().dialect.name == "postgresql"


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month.year:04d}_{month.month:02d}"


def month_start(month: date) -> datetime:
    """The moment a local month begins (partition bounds are local months)."""
    return datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)


def month_of(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)


def existing_months() -> list[date]:
    """The months that have a partition, oldest first."""
    names = session.scalars(text(
        "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "join pg_class p on p.oid = i.inhparent where p.relname = :table"), {"table": TABLE})
    return sorted(date(int(m[1]), int(m[2]), 1) for name in names if (m := _PARTITION.fullmatch(name)))


def create_partition(month: date) -> bool:
    """Create the month's partition if missing (moving in the rows the default partition holds for it)."""
    if month in existing_months():
        return False
    low, high = month_start(month), month_start(periods.month_after(month))
    bounds = {"low": low, "high": high}
    # A new partition may not overlap rows of the default partition: set them aside, then put them back.
    session.execute(text(f"create temporary table stray_positions on commit drop as "
                         f"with moved as (delete from {DEFAULT_PARTITION} where recorded_at >= :low "
                         f"and recorded_at < :high returning *) select * from moved"), bounds)
    session.execute(text(f"create table {partition_name(month)} partition of {TABLE} "
                         f"for values from ('{low.isoformat()}') to ('{high.isoformat()}')"))
    session.execute(text(f"insert into {TABLE} select * from stray_positions"))
    session.execute(text("drop table stray_positions"))
    return True


class _Hashed(io.RawIOBase):
    """A write-only file that hashes and counts what passes through it to the file beneath."""

    def __init__(self, file):
        self.file, self.sha256, self.bytes = file, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.bytes += len(data)
        return self.file.write(data)


def _archive(month: date, source: str, params: dict | None = None) -> list[PositionArchive]:
    """Write the rows of `source` (a SELECT of the table's columns for `month`) to storage as gzip CSV parts,
    numbered on from the month's parts already archived; the parts' records (not yet added).

    Streamed: COPY OUT hands over one row at a time, the rows go through gzip into temporary files on disk,
    and storage reads each file in chunks once the COPY is over (the connection serves nothing else during a
    COPY, and storing takes a statement); memory holds a row and gzip's window, whatever the month's size."""
    first_part = (session.scalar(select(func.max(PositionArchive.part)).where(PositionArchive.month == month))
                  or 0) + 1
    columns = ", ".join(column.name for column in Position.__table__.columns)
    header = (columns.replace(" ", "") + "\n").encode()
    written = []  # (temporary file, its hashing writer, rows)
    packer = None

    def open_part():
        spool = tempfile.TemporaryFile()
        hashed = _Hashed(spool)
        written.append([spool, hashed, 0])
        packer = gzip.GzipFile(fileobj=hashed, mode="wb", mtime=0)
        packer.write(header)
        return packer

    try:
        with session.connection().connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"copy ({source.format(columns=columns)} order by id) to stdout with (format csv)",
                             params) as copy:
                for line in copy:  # COPY OUT hands over one row at a time
                    if packer is None:
                        packer = open_part()
                    packer.write(line)
                    written[-1][2] += 1
                    if written[-1][2] == ARCHIVE_PART_ROWS:
                        packer.close()
                        packer = None
        if packer is None and not written:  # an empty month still leaves a file saying so
            packer = open_part()
        if packer is not None:
            packer.close()
        parts = []
        for n, (spool, hashed, rows) in enumerate(written):
            part = first_part + n
            key = f"{ARCHIVE_FOLDER}/{periods.key('month', month)}/part-{part:04d}.csv.gz"
            store_file(key, spool, "application/gzip")
            parts.append(PositionArchive(month=month, part=part, storage_key=key, rows=rows, bytes=hashed.bytes,
                                         sha256=hashed.sha256.hexdigest()))
        return parts
    finally:
        for spool, _, _ in written:
            spool.close()


def archive_and_drop(month: date) -> int:
    """Archive the month's partition, record its parts and drop it; how many rows went."""
    parts = _archive(month, f"select {{columns}} from {partition_name(month)}")
    session.add_all(parts)
    session.execute(text(f"drop table {partition_name(month)}"))
    session.flush()
    return sum(part.rows for part in parts)


def stray_months() -> list[date]:
    """The months of the rows the default partition holds (strays no month's partition took), oldest first."""
    return sorted(session.scalars(text(
        f"select distinct date_trunc('month', recorded_at at time zone '{LOCAL_TZ.key}')::date "
        f"from {DEFAULT_PARTITION}")))


def archive_strays(month: date) -> int:
    """Archive the default partition's rows of a month past the retention (parts numbered on after the
    month's partition's, if it had one) and delete them; how many rows went."""
    bounds = {"low": month_start(month), "high": month_start(periods.month_after(month))}
    parts = _archive(month, f"select {{columns}} from {DEFAULT_PARTITION} "
                            "where recorded_at >= %(low)s and recorded_at < %(high)s", bounds)
    session.add_all(parts)
    session.execute(text(f"delete from {DEFAULT_PARTITION} where recorded_at >= :low and recorded_at < :high"),
                    bounds)
    session.flush()
    return sum(part.rows for part in parts)


def maintain(month: date) -> dict:
    """For the month starting `month`: its partition and the next months' exist, and months past the
    retention are archived and dropped."""
    if not partitioned():
        return {"partitioned": False}
    current = settings()
    retention = check_retention(current.DUTY_POSITION_RETENTION_MONTHS)
    ahead = check_months_ahead(current.DUTY_POSITION_MONTHS_AHEAD)
    oldest_kept = periods.shift("month", month, 1 - retention)
    strays = stray_months()
    # The months ahead, and a kept month of the past whose rows wait in the default partition (its partition
    # was never made: rows synced late, or older than the partitioning) get their partition, the rows moved in.
    wanted = [periods.shift("month", month, n) for n in range(ahead + 1)]
    wanted += [m for m in strays if oldest_kept <= m < month]
    created = [periods.key("month", m) for m in sorted(wanted) if create_partition(m)]
    archived = {periods.key("month", m): archive_and_drop(m) for m in existing_months() if m < oldest_kept}
    # Strays of a month past the retention are archived by month with the rest, never left behind.
    for m in (m for m in strays if m < oldest_kept):
        key = periods.key("month", m)
        archived[key] = archived.get(key, 0) + archive_strays(m)
    return {"partitioned": True, "created": created, "archived": archived}


ARCHIVE_READERS_ONLY = "巡查位置存档含全市队员的行动轨迹，仅市局管理员可查看和下载"


def archives(actor: Officer, month: date | None = None):
    """The archived parts, newest month first (one month's if `month` is given)."""
    require(actor, CITY_ADMINS, ARCHIVE_READERS_ONLY)
    query = select(PositionArchive).order_by(PositionArchive.month.desc(), PositionArchive.part)
    return query if month is None else query.where(PositionArchive.month == month)


def archive_file(actor: Officer, archive_id: int) -> tuple[PositionArchive, Iterator[bytes]]:
    """A part's gzip CSV in chunks, once the stored file has been read through and found to match its SHA-256."""
    require(actor, CITY_ADMINS, ARCHIVE_READERS_ONLY)
    archive = session.get(PositionArchive, archive_id)
    if archive is None:
        raise NotFound("巡查位置存档不存在", code="not_found")
    storage = get_storage()
    digest = hashlib.sha256()
    for chunk in storage.get_file(archive.storage_key):
        digest.update(chunk)
    if digest.hexdigest() != archive.sha256:
        raise Conflict(f"存储中的巡查位置存档与归档时记录的 SHA-256（{archive.sha256[:16]}…）不符，已被改动，"
                       "不予提供；请联系系统管理员核查存储", code="archive_file_altered")
    return archive, storage.get_file(archive.storage_key)
