"""Patrol positions from the app and from government-WeChat LOCATION events."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from backend import geo
from backend.config import settings
from backend.db import insert_once, session, utcnow
from backend.duty.checkins import check_accuracy, check_client_time, same_submission
from backend.duty.models import Position, Shift
from backend.duty.queries import in_track
from backend.errors import DomainError, Invalid
from backend.org.models import Officer

log = logging.getLogger(__name__)


def _shift_at(officer: Officer, moment: datetime) -> Shift:
    """The officer's shift running at `moment` (shifts never overlap), locked for the track update."""
    shift = session.scalars(select(Shift).where(
        Shift.officer_id == officer.id, Shift.starts_at <= moment, Shift.ends_at >= moment,
    ).with_for_update()).first()
    if shift is None:
        raise Invalid("该位置的时间不在您的任何班次内", code="no_shift_at_time")
    return shift


def _by_client_id(client_id: str) -> Position | None:
    return session.scalars(select(Position).where(Position.client_id == client_id)).one_or_none()


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


def add_position(officer: Officer, *, client_id: str, recorded_at: datetime, lat: float, lng: float,
                 coord_system: str, accuracy_m: float, source: str = "app",
                 now: datetime | None = None) -> tuple[Position, bool]:
    """Record one ping in its shift's track (pings may arrive in any order); (ping, whether new)."""
    now = now or utcnow()
    existing = _by_client_id(client_id)
    if existing is not None:
        return same_submission(existing, officer, "位置"), False
    late_sync = check_client_time(recorded_at, now)
    point = geo.to_gcj02(lat, lng, coord_system)
    check_accuracy(accuracy_m)
    shift = _shift_at(officer, recorded_at)
    existing = _by_client_id(client_id)  # again, now that the shift's track is ours
    if existing is not None:
        return same_submission(existing, officer, "位置"), False
    inside = None
    if shift.post is not None:
        inside, _ = shift.post.fence.admits(point, accuracy_m, settings().DUTY_MAX_ACCURACY_ALLOWANCE_M)
    position = Position(client_id=client_id, officer_id=officer.id, shift_id=shift.id, source=source,
                        recorded_at=recorded_at, received_at=now, late_sync=late_sync, lat=point.lat, lng=point.lng,
                        coord_system=point.coord_system, accuracy_m=accuracy_m, inside=inside)
    track = select(Position).where(*in_track(shift.id, shift.starts_at, shift.ends_at))
    previous = session.scalars(track.where(Position.recorded_at <= recorded_at)
                               .order_by(Position.recorded_at.desc(), Position.id.desc()).limit(1)).first()
    following = session.scalars(track.where(Position.recorded_at > recorded_at)
                                .order_by(Position.recorded_at, Position.id).limit(1)).first()
    _set_step(position, previous)
    stored = insert_once(position)
    if stored is None:  # the same id committed meanwhile
        return same_submission(_by_client_id(client_id), officer, "位置"), False
    if following is not None:
        _set_step(following, stored)
    session.flush()
    return stored, True


def add_positions(officer: Officer, items: list[dict], now: datetime | None = None) -> tuple[int, int]:
    """A batch of pings from the app: all recorded or none; (new, duplicates)."""
    created = duplicates = 0
    for item in sorted(items, key=lambda i: i["recorded_at"]):
        try:
            _, new = add_position(officer, now=now, **item)
        except DomainError as error:
            error.message = f"位置 {item['client_id']}：{error.message}"
            raise
        created, duplicates = created + new, duplicates + (not new)
    return created, duplicates


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
