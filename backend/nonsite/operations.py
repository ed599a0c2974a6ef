"""Registering cameras, taking in their alerts (each image locked in the evidence chain at once), triage."""
from __future__ import annotations

import base64
import binascii
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import fetch
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.evidence import chain, media
from backend.evidence.models import Source, Subject
from backend.evidence.operations import CLOCK_SKEW, CheckedFile, check_photo, submit_evidence
from backend.nonsite import parties, shops, timeliness, verification
from backend.nonsite.models import Alert, Camera, Decision, FalsePositive, NonsiteCase, ViolationKind
from backend.nonsite.signing import sender_keys
from backend.org.models import Officer, Role, Squad
from backend.org.roles import DISTRICT_ADMINS, SQUAD_MANAGERS, require
from backend.org.scope import get_visible

RESOLVER = socket.getaddrinfo  # how a media URL's host is resolved (a hook: tests map names through it)


def _known_kinds(codes: list[str]) -> None:
    known = set(session.scalars(select(ViolationKind.code).where(ViolationKind.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Invalid(f"未知的违法类型：{'、'.join(unknown)}", code="unknown_kind")


def register_camera(actor: Officer, *, code: str, name: str, sender: str, place: str, lat: float, lng: float,
                    kinds: list[str], squad_id: int) -> Camera:
    """Add a camera, with the system officer that holds its evidence chain (who can never sign in)."""
    require(actor, DISTRICT_ADMINS)
    squad = get_visible(Squad, squad_id, actor, what="中队")
    if sender not in sender_keys():
        raise Invalid(f"未配置发送方 {sender} 的密钥（NONSITE_SENDER_KEYS）", code="unknown_sender")
    _known_kinds(kinds)
    if session.scalars(select(Camera.id).where(Camera.code == code)).first() is not None:
        raise Conflict("该摄像头编号已登记", code="camera_exists")
    system = Officer(badge_no=f"CAM-{code}", name=f"摄像头 {name}"[:64], role=Role.officer,
                     district_id=squad.district_id, squad_id=squad.id, active=False)
    camera = Camera(code=code, name=name, sender=sender, place=place, lat=lat, lng=lng, kinds=kinds,
                    squad_id=squad.id, officer=system)
    session.add(camera)
    session.flush()
    return camera


@dataclass(frozen=True)
class Media:
    """An image or the clip of an alert, checked, as it will enter the camera's evidence chain."""

    data: bytes
    content_type: str | None
    checked: CheckedFile | None = None  # an image as validated, decoded once, handed on to the evidence intake


WORDS = fetch.Words("图片或视频", "media", "images")


def _internal(sender: str) -> bool:
    return sender in {name.strip() for name in settings().NONSITE_INTERNAL_SENDERS.split(",")}


def _bytes_of(item: dict, sender: str, what: str, max_bytes: int) -> tuple[bytes, str | None]:
    """The bytes of one image or clip: inline base64, or fetched from its URL without SSRF (`backend.fetch`)."""
    if ("data" in item) == ("url" in item):
        raise Invalid(f"{what}须给出 data（base64）或 url 之一", code="media_data_or_url")
    if "url" in item:
        data, served_type = fetch.fetch(item["url"], internal=_internal(sender), max_bytes=max_bytes,
                                        timeout=settings().NONSITE_MEDIA_TIMEOUT_SECONDS, words=WORDS,
                                        resolver=RESOLVER)
        return data, item.get("content_type") or served_type
    try:
        return base64.b64decode(item["data"], validate=True), item.get("content_type")
    except (binascii.Error, ValueError):
        raise Invalid(f"{what}不是有效的 base64", code="bad_base64") from None


def gather_media(sender: str, images: list[dict], clip: dict | None = None) -> list[Media]:
    """Decode or fetch, then validate, every image and the clip before anything is stored: one bad file
    refuses the alert. A clip must be an MP4 no longer than NONSITE_CLIP_MAX_SECONDS. The decoded images go on
    to the evidence intake (decoded once) while together they hold no more pixels than one largest image may."""
    if len(images) > settings().NONSITE_MAX_IMAGES:
        raise Invalid(f"最多 {settings().NONSITE_MAX_IMAGES} 张图片", code="too_many_images")
    gathered, kept = [], 0
    for number, item in enumerate(images, start=1):
        what = f"第 {number} 张图片"
        data, content_type = _bytes_of(item, sender, what, settings().EVIDENCE_MAX_IMAGE_BYTES)
        try:
            checked = check_photo(data, content_type)
        except Invalid as refusal:
            raise Invalid(f"{what}：{refusal.message}", code=refusal.code) from refusal
        kept += checked.width * checked.height
        if kept > settings().IMAGE_MAX_PIXELS:  # memory bounded as if one largest image were kept: decoded again
            checked = None
        gathered.append(Media(data, content_type, checked))
    if clip is not None:
        data, content_type = _bytes_of(clip, sender, "视频", settings().EVIDENCE_MAX_VIDEO_BYTES)
        try:
            media.validate_video(data, declared_type=content_type, max_bytes=settings().EVIDENCE_MAX_VIDEO_BYTES,
                                 max_seconds=settings().NONSITE_CLIP_MAX_SECONDS,
                                 max_fps=settings().EVIDENCE_MAX_VIDEO_FPS)
        except Invalid as refusal:
            raise Invalid(f"视频：{refusal.message}", code=refusal.code) from refusal
        gathered.append(Media(data, content_type or "video/mp4"))
    return gathered


def _resend(existing: Alert, body_sha256: str) -> Alert:
    if existing.body_sha256 != body_sha256:
        raise Conflict("该告警编号已用于另一条告警", code="alert_id_reused")
    return existing


def _burst(camera: Camera, kind: str, plate: str | None, shop: str | None, at: datetime) -> Alert | None:
    """The alert this one repeats: same camera, kind, plate and shop, seen within the burst window."""
    window = timedelta(minutes=settings().NONSITE_BURST_MINUTES)
    return session.scalars(select(Alert).where(
        Alert.camera_id == camera.id, Alert.kind == kind, Alert.burst_of.is_(None),
        Alert.plate.is_(None) if plate is None else Alert.plate == plate,
        Alert.shop.is_(None) if shop is None else Alert.shop == shop,
        Alert.last_seen_at >= at - window, Alert.occurred_at <= at + window,
    ).order_by(Alert.last_seen_at.desc()).limit(1)).first()


def take_alert(*, sender: str, body_sha256: str, alert_id: str, camera_code: str, occurred_at: datetime, kind: str,
               confidence: float, images: list[dict], clip: dict | None = None, place: str | None = None,
               plate: str | None = None, shop: str | None = None, shop_credit_code: str | None = None,
               now: datetime | None = None) -> tuple[Alert, bool]:
    """Store one alert and lock each of its images and its clip in its camera's evidence chain; (alert, whether
    new). Files given by URL are fetched here, before the camera's chain is locked.

    A resend of the same alert id with the same body answers the first; everything is checked before
    anything is stored."""
    now = now or utcnow()
    existing = session.scalars(select(Alert).where(Alert.sender == sender, Alert.alert_id == alert_id)).first()
    if existing is not None:
        return _resend(existing, body_sha256), False
    camera = session.scalars(select(Camera).where(Camera.code == camera_code)).first()
    if camera is None:
        raise Invalid(f"摄像头 {camera_code} 未登记", code="unknown_camera")
    if camera.sender != sender:
        raise Forbidden(f"摄像头 {camera_code} 不由该发送方上报", code="camera_not_yours")
    if kind not in camera.kinds:
        raise Invalid(f"摄像头 {camera_code} 未登记可上报该违法类型：{kind}", code="kind_not_allowed")
    if occurred_at - now > CLOCK_SKEW:
        raise Invalid("告警时间晚于服务器时间", code="occurred_in_future")
    if plate is not None:
        parties.check_plate(plate)
    if shop_credit_code is not None:
        parties.check_credit_code(shop_credit_code)
    checked = gather_media(sender, images, clip)
    chain.lock_chains(camera.officer_id)  # one camera's alerts one at a time: bursts merge, the chain stays linear
    first = _burst(camera, kind, plate, shop, occurred_at)
    alert = Alert(sender=sender, alert_id=alert_id, body_sha256=body_sha256, camera=camera, squad_id=camera.squad_id,
                  kind=kind, occurred_at=occurred_at, last_seen_at=occurred_at, place=place or camera.place,
                  confidence=confidence, plate=plate, shop=shop,
                  shop_credit_code=shop_credit_code, burst_of=first.id if first else None, received_at=now)
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:  # the same alert id committed meanwhile
        return _resend(session.scalars(select(Alert).where(
            Alert.sender == sender, Alert.alert_id == alert_id)).one(), body_sha256), False
    if first is not None:
        first.last_seen_at = max(first.last_seen_at, occurred_at)
    subject = first or alert
    for number, item in enumerate(checked, start=1):
        submit_evidence(camera.officer, client_id=f"nonsite-alert-{alert.id}-{number}", data=item.data,
                        content_type=item.content_type, captured_at=occurred_at, lat=camera.lat, lng=camera.lng,
                        place=alert.place, subject_type=Subject.alert, subject_ref=str(subject.id),
                        source=Source.camera, now=now, checked=item.checked)
    return alert, True


def triage(actor: Officer, alert_id: int, *, decision: Decision, reason: str,
           false_positive: FalsePositive | None = None) -> Alert:
    """Confirm an alert (a non-site case is opened; a kind that needs a visit sends the officer on duty nearby a
    work order to verify it, `verification.py`) or dismiss it as a false positive, with the reason."""
    require(actor, SQUAD_MANAGERS)
    alert = get_visible(Alert, alert_id, actor, what="告警")
    if alert.burst_of is not None:
        raise Conflict(f"该告警与告警 {alert.burst_of} 是同一事件，请处理该告警", code="alert_in_burst")
    if alert.decision is not None:
        raise Conflict("该告警已处理", code="alert_decided")
    if (decision == Decision.dismissed) != (false_positive is not None):
        raise Invalid("排除告警须注明误报类型，确认告警不填", code="false_positive_kind")
    alert.decision, alert.false_positive, alert.reason = decision, false_positive, reason
    alert.decided_by, alert.decided_at = actor.id, utcnow()
    if decision == Decision.confirmed:
        district_id = alert.camera.squad.district_id
        party = parties.of_plate(alert.plate, district_id)
        found, how = shops.match(alert, district_id) if party is None else (None, None)
        case = NonsiteCase(alert=alert, squad_id=alert.squad_id, opened_by=actor.id, opened_at=alert.decided_at,
                           party=party, object=found, object_match=how)
        session.add(case)
        session.flush()
        if verification.dispatch_if_needed(case, actor, alert.decided_at) is None:
            case.registered_at = alert.decided_at  # 立案 now; a kind that needs a visit, once verified on site
        timeliness.on_clock(case, alert.decided_at)
    session.flush()
    return alert

