"""Patrol positions from the app and from government-WeChat LOCATION events."""
from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

from sqlalchemy import String, any_, bindparam, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from backend import geo
from backend.config import settings
from backend.db import UTCDateTime, compiled_once, session, utcnow
from backend.duty.checkins import check_accuracy, check_client_time, same_submission
from backend.duty.models import Position, Shift
from backend.duty.queries import in_track
from backend.errors import Conflict, DomainError, Invalid
from backend.org.models import Officer

log = logging.getLogger(__name__)


# Built once: SQLAlchemy then finds its compiled form by a key it keeps on the statement, where a statement
# built afresh a request costs its whole tree walked (~1 ms each) before it is sent.
_SHIFTS_OVER = (select(Shift).options(joinedload(Shift.post)).where(
    Shift.officer_id == bindparam("officer_id"), Shift.starts_at <= bindparam("last", type_=UTCDateTime),
    Shift.ends_at >= bindparam("first", type_=UTCDateTime)).order_by(Shift.starts_at).with_for_update(of=Shift))


def _shifts_over(officer: Officer, first: datetime, last: datetime) -> list[Shift]:
    """The officer's shifts running between two moments (shifts never overlap), locked for the track update."""
    return list(session.scalars(_SHIFTS_OVER, {"officer_id": officer.id, "first": first, "last": last}).unique())


def _set_step(position: Position, previous: Position | None) -> None:
    """The step from the previous ping: distance, time, and time inside when both ends are inside."""
    if previous is None:
        position.step_m, position.step_seconds, position.step_inside_seconds = 0.0, 0, 0
        return
    seconds = int((position.recorded_at - previous.recorded_at).total_seconds())
    position.step_m = geo.distance_m(previous.point, position.point)
    position.step_seconds = seconds
    both_inside = bool(previous.inside and position.inside)
    within_gap = seconds <= settings().DUTY_TRACK_MAX_GAP_MINUTES * 60
    position.step_inside_seconds = seconds if both_inside and within_gap else 0


def _labelled(client_id: str, error: DomainError) -> DomainError:
    error.message = f"位置 {client_id}：{error.message}"
    return error


def _pings(officer: Officer, items: list[dict], now: datetime, source: str) -> list[Position]:
    """The pings as submitted, checked (time, coordinates, accuracy), not yet in a shift."""
    pings = []
    for item in items:
        try:
            late_sync = check_client_time(item["recorded_at"], now)
            point = geo.to_gcj02(item["lat"], item["lng"], item["coord_system"])
            check_accuracy(item["accuracy_m"])
        except DomainError as error:
            raise _labelled(item["client_id"], error) from None
        pings.append(Position(client_id=item["client_id"], officer_id=officer.id, source=source,
                              recorded_at=item["recorded_at"], received_at=now, late_sync=late_sync, lat=point.lat,
                              lng=point.lng, coord_system=point.coord_system, accuracy_m=item["accuracy_m"]))
    return pings


def _around(n: int) -> tuple:
    """The stored pings of the n-th shift's track that the batch's pings in it may sit between: the one before
    the first, those among them, the one after the last."""
    first, last = bindparam(f"first_{n}", type_=UTCDateTime), bindparam(f"last_{n}", type_=UTCDateTime)
    starts, ends = bindparam(f"starts_{n}", type_=UTCDateTime), bindparam(f"ends_{n}", type_=UTCDateTime)
    track = select(Position.__table__).where(*in_track(bindparam(f"shift_{n}"), starts, ends))
    return (select(track.where(Position.recorded_at <= first)
                   .order_by(Position.recorded_at.desc(), Position.id.desc()).limit(1).subquery()),
            track.where(Position.recorded_at > first, Position.recorded_at <= last),
            select(track.where(Position.recorded_at > last).order_by(Position.recorded_at, Position.id).limit(1)
                   .subquery()))


@functools.cache
def _stored_statement(dialect_name: str, shifts: int):
    """The read of `_stored` for a batch over this many shifts, built once."""
    if dialect_name == "postgresql":  # one array parameter, not one a client id
        taken = Position.client_id == any_(bindparam("client_ids", type_=postgresql.ARRAY(String)))
    else:
        taken = Position.client_id.in_(bindparam("client_ids", expanding=True))
    branches = [select(Position.__table__).where(taken)]
    for n in range(shifts):
        branches += _around(n)
    return select(Position).from_statement(union_all(*branches))


def _stored(client_ids: list[str], tracks: dict[int, tuple[Shift, list[Position]]]) -> list[Position]:
    """One read for the whole batch: the stored pings with the batch's client ids (whoever sent them) and,
    for each shift, the stored pings of its track around the batch's pings in it."""
    values = {"client_ids": client_ids}
    for n, (shift, pings) in enumerate(tracks.values()):
        values |= {f"shift_{n}": shift.id, f"starts_{n}": shift.starts_at, f"ends_{n}": shift.ends_at,
                   f"first_{n}": pings[0].recorded_at, f"last_{n}": pings[-1].recorded_at}
    found = session.scalars(_stored_statement(session.get_bind().dialect.name, len(tracks)), values).all()
    return list({id(p): p for p in found}.values())  # a ping found by client id and in a track: once


def _shifts_then_track(officer: Officer, pings: list[Position]) -> tuple[list[Shift], list[Position]]:
    """Two statements: the officer's shifts over the batch locked, then the stored pings `_stored` reads. The
    second reads after the lock is held (PostgreSQL: a statement's own snapshot, taken when it starts; SQLite: the
    write lock is the whole transaction's), so a batch of the same officer that held it has committed by then."""
    shifts = _shifts_over(officer, min(p.recorded_at for p in pings), max(p.recorded_at for p in pings))
    tracks: dict[int, tuple[Shift, list[Position]]] = {}
    for ping in sorted(pings, key=lambda p: p.recorded_at):
        if (shift := _shift_of(shifts, ping)) is not None:
            tracks.setdefault(shift.id, (shift, []))[1].append(ping)
    return shifts, _stored(sorted({p.client_id for p in pings}), tracks)


def _shift_of(shifts: list[Shift], ping: Position) -> Shift | None:
    return next((s for s in shifts if s.starts_at <= ping.recorded_at <= s.ends_at), None)


def _into_track(shift: Shift, pings: list[Position], stored: list[Position]) -> list[Position]:
    """Put new pings of one shift into its stored track (read by `_stored`): each new ping's step, and the step
    of a stored ping that now follows a new one (pings arrive in any order)."""
    if shift.post is not None:
        fence, allowance = shift.post.fence, settings().DUTY_MAX_ACCURACY_ALLOWANCE_M
        for ping in pings:
            ping.inside, _ = fence.admits(ping.point, ping.accuracy_m, allowance)
    track = [p for p in stored if p.shift_id == shift.id and shift.starts_at <= p.recorded_at <= shift.ends_at]
    # A new ping goes after the stored pings of the same time (it gets a larger id), in the order submitted.
    merged = sorted([(p.recorded_at, 0, p.id, p) for p in track]
                    + [(p.recorded_at, 1, n, p) for n, p in enumerate(pings)], key=lambda row: row[:3])
    new = {id(p) for p in pings}
    previous = None
    for _, _, _, ping in merged:
        if id(ping) in new or (previous is not None and id(previous) in new):
            _set_step(ping, previous)
        previous = ping
    return pings


_COLUMNS = [column for column in Position.__table__.columns if column.key != "id"]


@functools.cache
def _insert_statement(dialect_name: str, count: int):
    """INSERT of `count` pings … ON CONFLICT DO NOTHING RETURNING (client id, id), compiled once per batch size.

    PostgreSQL: one array a column, unnested (`count` does not matter): a short statement with a parameter a
    column, which psycopg parses once and prepares, where a VALUES row a ping (15 parameters each) is parsed on
    every call and planned for its 150 parameters. SQLite: a VALUES row a ping."""
    table = Position.__table__
    if dialect_name == "postgresql":
        dialect = postgresql.dialect()
        arrays = ", ".join(f"CAST(:{c.key} AS {c.type.compile(dialect=dialect)}[])" for c in _COLUMNS)
        return text(f"INSERT INTO {table.name} ({', '.join(c.name for c in _COLUMNS)}) "
                    f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING RETURNING client_id, id").bindparams(
            *(bindparam(c.key, type_=postgresql.ARRAY(c.type)) for c in _COLUMNS))
    rows = [{c.key: bindparam(f"{c.key}_{n}", type_=c.type) for c in _COLUMNS} for n in range(count)]
    return compiled_once(sqlite.insert(table).values(rows).on_conflict_do_nothing()
                         .returning(table.c.client_id, table.c.id), dialect_name)


def _insert(pings: list[Position]) -> None:
    """One INSERT for the batch. A client id another officer took at the same moment meanwhile (the shift lock
    keeps out this officer's own copies) is a conflict, and the caller's transaction is rolled back whole."""
    dialect_name = session.get_bind().dialect.name
    if dialect_name == "postgresql":
        values = {c.key: [getattr(ping, c.key) for ping in pings] for c in _COLUMNS}
    else:
        values = {f"{c.key}_{n}": getattr(ping, c.key) for n, ping in enumerate(pings) for c in _COLUMNS}
    ids = dict(session.execute(_insert_statement(dialect_name, len(pings)), values).all())
    if len(ids) < len(pings):
        raise Conflict("该位置编号已被使用", code="client_id_reused")
    for ping in pings:
        ping.id = ids[ping.client_id]


def record_positions(officer: Officer, items: list[dict], *, now: datetime | None = None,
                     source: str = "app") -> list[tuple[Position, bool]]:
    """Record pings in their shifts' tracks (in any order, across shifts and months): all or none; each ping
    with whether it is new. A repeated client id answers the first record (the same officer's) or a conflict.

    A fixed number of statements whatever the batch's size, three: the shifts locked with their posts, the stored
    pings with the batch's client ids and of each shift's track around the batch, the INSERT. And an UPDATE of a
    stored ping whose step changed (a batch arriving before an earlier one)."""
    now = now or utcnow()
    pings = _pings(officer, items, now, source)
    # The shifts' tracks are ours first, so that a copy of the batch sent meanwhile is either seen or waits.
    ids = {p.client_id for p in pings}
    shifts, stored = _shifts_then_track(officer, pings)
    shift_of = {id(p): _shift_of(shifts, p) for p in pings}
    seen = {p.client_id: p for p in stored if p.client_id in ids}
    for client_id, earlier in seen.items():  # another officer's client id: refused before anything is stored
        try:
            same_submission(earlier, officer, "位置")
        except DomainError as error:
            raise _labelled(client_id, error) from None
    firsts = {}  # a client id twice in the batch: the first is recorded, the second answered as its repeat
    fresh = [firsts.setdefault(p.client_id, p) for p in pings if p.client_id not in seen and p.client_id not in firsts]
    if fresh:
        by_shift: dict[int, list[Position]] = {}
        for ping in sorted(fresh, key=lambda p: p.recorded_at):
            shift = shift_of[id(ping)]
            if shift is None:
                raise _labelled(ping.client_id, Invalid("该位置的时间不在您的任何班次内", code="no_shift_at_time"))
            ping.shift_id = shift.id
            by_shift.setdefault(shift.id, []).append(ping)
        for shift in shifts:
            if shift.id in by_shift:
                _into_track(shift, by_shift[shift.id], stored)
        _insert(fresh)
        session.flush()  # the stored pings whose step changed
    results = []
    for ping in pings:
        if ping.client_id in seen:
            results.append((seen[ping.client_id], False))
        else:
            first = firsts[ping.client_id]
            results.append((first, first is ping))
    return results


def add_position(officer: Officer, *, client_id: str, recorded_at: datetime, lat: float, lng: float,
                 coord_system: str, accuracy_m: float, source: str = "app",
                 now: datetime | None = None) -> tuple[Position, bool]:
    """Record one ping in its shift's track (pings may arrive in any order); (ping, whether new)."""
    item = {"client_id": client_id, "recorded_at": recorded_at, "lat": lat, "lng": lng,
            "coord_system": coord_system, "accuracy_m": accuracy_m}
    [(position, new)] = record_positions(officer, [item], now=now, source=source)
    return position, new


def add_positions(officer: Officer, items: list[dict], now: datetime | None = None) -> tuple[int, int]:
    """A batch of pings from the app: all recorded or none; (new, duplicates)."""
    results = record_positions(officer, items, now=now)
    created = sum(1 for _, new in results if new)
    return created, len(results) - created


def on_wechat_location(message: dict) -> None:
    """Government-WeChat LOCATION event: a ping for the officer's running shift, if there is one."""
    userid = message.get("FromUserName")
    officer = session.scalars(select(Officer).where(Officer.wechat_userid == userid, Officer.active)).one_or_none()
    if officer is None:
        log.info("LOCATION event from unknown WeChat user %s ignored", userid)
        return
    try:
        with session.begin_nested():
            add_position(officer, client_id=f"wechat:{userid}:{message['CreateTime']}",
                         recorded_at=datetime.fromtimestamp(int(message["CreateTime"]), UTC),
                         lat=float(message["Latitude"]), lng=float(message["Longitude"]),
                         coord_system=settings().WECHAT_LOCATION_COORD_SYSTEM,
                         accuracy_m=float(message.get("Precision") or 0), source="wechat")
    except (DomainError, KeyError, ValueError) as error:  # WeChat gets "success" regardless
        log.info("LOCATION event from %s not recorded: %s", userid, error)
