"""Patrol positions by month on PostgreSQL: partitions created ahead, old months archived, then dropped.

`duty_position` is partitioned by range of `recorded_at`, one partition a local (Asia/Shanghai) month named
`duty_position_pYYYY_MM`, and a default partition `duty_position_pdefault` that takes any time no month
covers (a far past or future stray), so an intake never fails for a missing partition. The monthly job
creates the months ahead (DUTY_POSITION_MONTHS_AHEAD) and, for the months past the retention
(DUTY_POSITION_RETENTION_MONTHS, the current month included), writes each partition to file storage as gzip
CSV parts (header row, then the table's columns; at most ARCHIVE_PART_ROWS rows a part), records every part
with its SHA-256 in `duty_position_archive`, and drops the partition, all in the job's transaction.
SQLite keeps a plain table: the job does nothing there.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import re
from datetime import date, datetime

from sqlalchemy import text

from backend import periods
from backend.config import settings
from backend.db import LOCAL_TZ, session
from backend.duty.models import Position, PositionArchive
from backend.files import store

TABLE = Position.__tablename__
DEFAULT_PARTITION = f"{TABLE}_pdefault"
ARCHIVE_FOLDER = "duty/position-archives"
ARCHIVE_PART_ROWS = 1_000_000  # a part's gzip CSV is some 30-60 MB: held in memory while it is written
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
    return sorted(date(int(m[1]), int(m[2]), 1) for name in names if (m := _PARTITION.match(name)))


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


def _archive(month: date) -> list[PositionArchive]:
    """Write the month's partition to storage as gzip CSV parts; the parts' records (not yet added)."""
    parts, rows, buffer, packer = [], 0, None, None

    def close_part():
        packer.close()
        data = buffer.getvalue()
        key = f"{ARCHIVE_FOLDER}/{periods.key('month', month)}/part-{len(parts) + 1:04d}.csv.gz"
        store([(key, data, "application/gzip")])
        parts.append(PositionArchive(month=month, part=len(parts) + 1, storage_key=key, rows=rows,
                                     bytes=len(data), sha256=hashlib.sha256(data).hexdigest()))

    columns = ", ".join(column.name for column in Position.__table__.columns)
    header = (columns.replace(" ", "") + "\n").encode()
    with session.connection().connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"copy (select {columns} from {partition_name(month)} order by id) "
                         "to stdout with (format csv)") as copy:
            for line in copy:  # COPY OUT hands over one row at a time
                if packer is None:
                    buffer, rows = io.BytesIO(), 0
                    packer = gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0)
                    packer.write(header)
                packer.write(line)
                rows += 1
                if rows == ARCHIVE_PART_ROWS:
                    close_part()
                    packer = None
    if packer is not None or not parts:
        if packer is None:  # an empty month still leaves a file saying so
            buffer, rows = io.BytesIO(), 0
            packer = gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0)
            packer.write(header)
        close_part()
    return parts


def archive_and_drop(month: date) -> int:
    """Archive the month's partition, record its parts and drop it; how many rows went."""
    parts = _archive(month)
    session.add_all(parts)
    session.execute(text(f"drop table {partition_name(month)}"))
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
    created = [periods.key("month", m) for m in (periods.shift("month", month, n) for n in range(ahead + 1))
               if create_partition(m)]
    oldest_kept = periods.shift("month", month, 1 - retention)
    archived = {periods.key("month", m): archive_and_drop(m) for m in existing_months() if m < oldest_kept}
    return {"partitioned": True, "created": created, "archived": archived}
