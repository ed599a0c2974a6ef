"""Taking in evidence (upload or WeChat media id) and every access to it, each written to the custody log."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import geo
from backend.config import settings
from backend.db import session, utcnow
from backend.errors import Conflict, Invalid
from backend.evidence import chain, media
from backend.evidence.models import (
    CopyPurpose,
    CustodyAction,
    CustodyEntry,
    Evidence,
    EvidenceKind,
    Source,
    Subject,
    VideoCopy,
)
from backend.files import store
from backend.images import normalize_mime, validate_image
from backend.org.models import Officer
from backend.org.scope import get_visible
from backend.storage import get_storage
from backend.vision import face_detector
from backend.wechat.media import download_media

CLOCK_SKEW = timedelta(minutes=2)


@dataclass
class CheckedFile:
    """A validated original and its derivatives, ready to store under content-addressed keys."""

    kind: EvidenceKind
    mime: str
    width: int
    height: int
    duration_ms: int | None
    sha256: str
    picture: Image.Image  # the upright photo, or the video's first frame
    exif: media.ExifFacts = field(default_factory=lambda: media.ExifFacts(None, None, None))


def _validate(data: bytes, content_type: str | None) -> CheckedFile:
    """Check the bytes before anything is stored: an MP4 video, or a JPEG/PNG photo."""
    digest = hashlib.sha256(data).hexdigest()
    if media.looks_like_mp4(data):
        video = media.validate_video(data, declared_type=content_type, max_bytes=settings().EVIDENCE_MAX_VIDEO_BYTES,
                                     max_seconds=settings().EVIDENCE_MAX_VIDEO_SECONDS,
                                     max_fps=settings().EVIDENCE_MAX_VIDEO_FPS)
        return CheckedFile(EvidenceKind.video, video.mime, video.width, video.height, video.duration_ms, digest,
                      video.first_frame)
    try:
        return check_photo(data, content_type, digest)
    except Invalid as refusal:
        if refusal.code == "not_an_image" and (normalize_mime(content_type) or "").startswith("video/"):
            raise Invalid("不是有效的视频：仅支持 MP4", code="not_a_video") from refusal  # a WebM, AVI …
        raise


def check_photo(data: bytes, content_type: str | None, digest: str | None = None, *,
                max_bytes: int | None = None) -> CheckedFile:
    """Validate a JPEG/PNG photo as evidence takes it (decoded once): a caller that must refuse a bad file
    before anything is stored checks with this and hands the result to `submit_evidence(checked=...)`.
    `max_bytes`: a domain's own, smaller limit (never above EVIDENCE_MAX_IMAGE_BYTES)."""
    limit = min(max_bytes or settings().EVIDENCE_MAX_IMAGE_BYTES, settings().EVIDENCE_MAX_IMAGE_BYTES)
    photo = validate_image(data, declared_type=content_type, max_bytes=limit)
    return CheckedFile(EvidenceKind.photo, photo.mime, photo.width, photo.height, None,
                       digest or hashlib.sha256(data).hexdigest(), photo.image, media.exif_facts(photo.exif))


def _by_client_id(client_id: str) -> Evidence | None:
    return session.scalars(select(Evidence).where(Evidence.client_id == client_id)).one_or_none()


def _same(existing: Evidence, actor: Officer, sha256: str | None = None) -> Evidence:
    """A repeated client id: the first record for the same officer and file, a conflict otherwise."""
    if existing.officer_id != actor.id or (sha256 is not None and sha256 != existing.sha256):
        raise Conflict("该取证编号已用于另一份证据", code="client_id_reused")
    return existing


def _check_subject(subject_type: Subject | None, subject_ref: str | None) -> None:
    if (subject_type is None) != (subject_ref is None):
        raise Invalid("关联对象的类型和编号须同时填写", code="subject_incomplete")


def _compare_with_exif(evidence: Evidence, facts: media.ExifFacts) -> None:
    """Keep what the file says beside what the phone said, and how far apart they are."""
    evidence.exif_taken_at = facts.taken_at
    if facts.taken_at is not None:
        evidence.time_gap_s = round(abs((facts.taken_at - evidence.captured_at).total_seconds()))
    if facts.lat is not None:
        point = geo.to_gcj02(facts.lat, facts.lng, geo.WGS84)  # cameras write WGS-84
        evidence.exif_lat, evidence.exif_lng = point.lat, point.lng
        evidence.place_gap_m = round(geo.distance_m(point, geo.LatLng(evidence.lat, evidence.lng)))


def exif_disagrees(evidence: Evidence) -> dict:
    """Which of the file's own time and place disagree with the phone's report (beyond the tolerances)."""
    return {
        "time": evidence.time_gap_s is not None
        and evidence.time_gap_s > settings().EVIDENCE_TIME_TOLERANCE_MINUTES * 60,
        "place": evidence.place_gap_m is not None and evidence.place_gap_m > settings().EVIDENCE_PLACE_TOLERANCE_M,
    }


def _prepare_writes(evidence: Evidence, data: bytes, files: CheckedFile, badge_no: str) -> list[tuple[str, bytes, str]]:
    """Set the storage keys of the original, the watermarked copy and the thumbnail; the writes to make."""
    extension = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}[files.mime]
    evidence.original_key = f"evidence/originals/{files.sha256[:2]}/{files.sha256}.{extension}"
    writes = [(evidence.original_key, data, files.mime)]
    thumb = media.thumbnail(files.picture)
    evidence.thumbnail_key = derived_key("thumbnails", thumb)
    writes.append((evidence.thumbnail_key, thumb, "image/jpeg"))
    if files.kind == EvidenceKind.photo:  # a video's is made in the background (jobs.make_video_copies)
        marked = media.jpeg_bytes(media.draw_watermark(files.picture, watermark_text(evidence, badge_no)))
        evidence.watermarked_key = derived_key("watermarked", marked)
        writes.append((evidence.watermarked_key, marked, "image/jpeg"))
    return writes


def watermark_text(evidence: Evidence, badge_no: str) -> list[str]:
    place = evidence.place or f"坐标 {evidence.lat:.5f}, {evidence.lng:.5f}"
    return media.watermark_lines(evidence.captured_at, place, badge_no, evidence.sha256)


def derived_key(folder: str, data: bytes, extension: str = "jpg") -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"evidence/{folder}/{digest[:2]}/{digest}.{extension}"


def submit_evidence(actor: Officer, *, client_id: str, data: bytes, content_type: str | None, captured_at: datetime,
                    lat: float, lng: float, coord_system: str = geo.GCJ02, accuracy_m: float | None = None,
                    place: str | None = None, subject_type: Subject | None = None, subject_ref: str | None = None,
                    source: Source = Source.upload, wechat_media_id: str | None = None,
                    now: datetime | None = None, checked: CheckedFile | None = None) -> tuple[Evidence, bool]:
    """Validate, hash, compare EXIF, derive, chain and store one photo or video; (record, whether new).
    `checked`: the result of `check_photo` on these very bytes, so the photo is not decoded twice."""
    now = now or utcnow()
    existing = _by_client_id(client_id)
    if existing is not None:
        return _same(existing, actor, hashlib.sha256(data).hexdigest()), False
    if captured_at - now > CLOCK_SKEW:
        raise Invalid("拍摄时间晚于服务器时间，请校准手机时间后重试", code="captured_in_future")
    _check_subject(subject_type, subject_ref)
    point = geo.to_gcj02(lat, lng, coord_system)
    if checked is not None and checked.sha256 != hashlib.sha256(data).hexdigest():
        raise ValueError("checked= was made from other bytes")
    files = checked or _validate(data, content_type)
    evidence = Evidence(
        client_id=client_id, officer_id=actor.id, kind=files.kind, source=source, wechat_media_id=wechat_media_id,
        mime=files.mime, size_bytes=len(data), sha256=files.sha256, width=files.width, height=files.height,
        duration_ms=files.duration_ms, captured_at=captured_at, lat=point.lat, lng=point.lng, accuracy_m=accuracy_m,
        place=place, subject_type=subject_type, subject_ref=subject_ref, received_at=now)
    _compare_with_exif(evidence, files.exif)
    writes = _prepare_writes(evidence, data, files, actor.badge_no)
    chain.lock_chains(actor.id)
    existing = _by_client_id(client_id)
    if existing is not None:
        return _same(existing, actor, files.sha256), False
    chain.append(evidence)
    try:
        with session.begin_nested():
            session.add(evidence)
    except IntegrityError:  # the same client id committed meanwhile
        return _same(_by_client_id(client_id), actor, files.sha256), False
    if evidence.kind == EvidenceKind.video:
        session.add(VideoCopy(evidence_id=evidence.id, purpose=CopyPurpose.watermarked))
    store(writes)
    return evidence, True


def submit_wechat_media(actor: Officer, *, media_id: str, client_id: str, **details) -> tuple[Evidence, bool]:
    """Download a JS-SDK media id from government WeChat, then take it in like an upload."""
    existing = _by_client_id(client_id)
    if existing is not None:
        return _same(existing, actor), False
    data, content_type = download_media(
        media_id, max_bytes=max(settings().EVIDENCE_MAX_IMAGE_BYTES, settings().EVIDENCE_MAX_VIDEO_BYTES))
    return submit_evidence(actor, client_id=client_id, data=data, content_type=content_type, source=Source.wechat,
                           wechat_media_id=media_id, **details)


def submit_about(actor: Officer, subject_type: Subject, subject_ref: str, *, media_id: str | None = None,
                 **details) -> tuple[Evidence, bool]:
    """Evidence of what a domain handles (a complaint, an order …): an upload, or a WeChat `media_id`."""
    subject = {"subject_type": subject_type, "subject_ref": subject_ref}
    if media_id is not None:
        return submit_wechat_media(actor, media_id=media_id, **details, **subject)
    return submit_evidence(actor, **details, **subject)


def _log(actor: Officer, evidence: Evidence, action: CustodyAction, reason: str | None, address: str | None) -> None:
    """Append to the custody chain of the evidence's officer."""
    entry = CustodyEntry(evidence_id=evidence.id, actor_id=actor.id, action=action, reason=reason, address=address,
                         at=utcnow())  # hashed before the insert
    chain.lock_chains(evidence.officer_id)
    chain.append_custody(entry, evidence.officer_id)
    session.add(entry)
    session.flush()


def checked_original(evidence: Evidence) -> bytes:
    """The stored original, refused if it no longer matches its recorded SHA-256."""
    data = get_storage().get(evidence.original_key)
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise Conflict("原件校验失败：文件内容与登记的 SHA-256 不符，请联系区局核查", code="evidence_file_altered")
    return data


def read_original(actor: Officer, evidence_id: int, *, download: bool, reason: str | None = None,
                  address: str | None = None) -> tuple[Evidence, bytes]:
    """View or download the original; logged. Downloading needs a reason."""
    evidence = get_visible(Evidence, evidence_id, actor, what="证据")
    reason = (reason or "").strip() or None
    if download and reason is None:
        raise Invalid("下载原件须填写原因", code="reason_required")
    _log(actor, evidence, CustodyAction.download_original if download else CustodyAction.view_original, reason,
         address)
    return evidence, checked_original(evidence)


def open_original_for(actor: Officer, evidence: Evidence, *, address: str | None = None) -> bytes:
    """The original for a reader a domain has authorised itself (e.g. an inspection's photo, which the object's
    squad leader may see although the inspector is of another squad); logged in the custody chain like any
    viewing, and refused if the file no longer matches its SHA-256."""
    _log(actor, evidence, CustodyAction.view_original, None, address)
    return checked_original(evidence)


@dataclass(frozen=True)
class Copy:
    """A watermarked copy or a redacted export, as handed out."""

    data: bytes
    mime: str
    extension: str
    faces: int | None = None  # redacted: faces blurred (a video: the most in one frame)


def read_watermarked(actor: Officer, evidence_id: int, *, address: str | None = None) -> Copy:
    """The watermarked copy (a video's is made in the background after intake); logged."""
    evidence = get_visible(Evidence, evidence_id, actor, what="证据")
    if evidence.kind == EvidenceKind.photo:
        copy = Copy(get_storage().get(evidence.watermarked_key), "image/jpeg", "jpg")
    else:
        video = _made(evidence.video_copy(CopyPurpose.watermarked), "水印视频")
        copy = Copy(get_storage().get(video.storage_key), "video/mp4", "mp4")
    _log(actor, evidence, CustodyAction.view_watermarked, None, address)
    return copy


def send_out(actor: Officer, evidence: Evidence, recipient: str) -> None:
    """Record in the custody log that the watermarked copy goes to an outside platform (`recipient`: who and
    why); the copy itself is read when the message is sent (`watermarked_photo`)."""
    _log(actor, evidence, CustodyAction.sent_out, recipient[:500], None)


def watermarked_photo(evidence: Evidence) -> bytes:
    """A photo's watermarked copy, as sent out (its hand-out is logged by `send_out`)."""
    return get_storage().get(evidence.watermarked_key)


def has_watermarked_copy(evidence: Evidence) -> bool:
    if evidence.kind == EvidenceKind.photo:
        return True
    video = evidence.video_copy(CopyPurpose.watermarked)
    return video is not None and video.made_at is not None


def read_thumbnail(actor: Officer, evidence_id: int, *, address: str | None = None) -> bytes:
    """The thumbnail (it shows people too); logged."""
    evidence = get_visible(Evidence, evidence_id, actor, what="证据")
    _log(actor, evidence, CustodyAction.view_thumbnail, None, address)
    return get_storage().get(evidence.thumbnail_key)


def export_redacted(actor: Officer, evidence_id: int, *, reason: str | None = None,
                    address: str | None = None) -> Copy | None:
    """A copy with every face blurred, for publication (脱敏); logged when handed out.

    A photo's is made at once. A video's is made in the background: until it is ready, a request
    (the first one queues it) gets None.
    """
    evidence = get_visible(Evidence, evidence_id, actor, what="证据")
    if evidence.kind == EvidenceKind.photo:
        image = validate_image(checked_original(evidence), max_bytes=settings().EVIDENCE_MAX_IMAGE_BYTES).image
        faces = face_detector().detect_small_faces(image)
        copy = Copy(media.jpeg_bytes(media.blur_faces(image, faces)), "image/jpeg", "jpg", len(faces))
    else:
        video = evidence.video_copy(CopyPurpose.redacted)
        if video is None:
            _queue_redacted_video(evidence)
            return None
        if video.made_at is None and video.failure is None:
            return None  # queued, or being made
        video = _made(video, "脱敏视频")
        copy = Copy(get_storage().get(video.storage_key), "video/mp4", "mp4", video.faces)
    _log(actor, evidence, CustodyAction.export_redacted, (reason or "").strip() or None, address)
    return copy


def _made(video: VideoCopy | None, name: str) -> VideoCopy:
    if video is not None and video.failure:
        raise Conflict(f"{name}无法生成：{video.failure}", code="video_copy_failed")
    if video is None or video.made_at is None:
        raise Conflict(f"{name}正在生成，请稍后再试", code="video_copy_pending")
    return video


def _queue_redacted_video(evidence: Evidence) -> None:
    try:
        with session.begin_nested():
            session.add(VideoCopy(evidence_id=evidence.id, purpose=CopyPurpose.redacted))
    except IntegrityError:  # queued by a simultaneous request
        pass
