"""Evidence records (a hash chain per officer), the keyed checkpoints of their heads, the custody log, video copies."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ColumnElement, Enum, Float, ForeignKey, Integer, String, UniqueConstraint, event, or_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Officer, Role
from backend.org.roles import IMAGE_READERS


class EvidenceKind(str, enum.Enum):
    photo = "photo"
    video = "video"


class Source(str, enum.Enum):
    upload = "upload"  # multipart upload
    wechat = "wechat"  # a JS-SDK media id, downloaded from the government-WeChat media API
    camera = "camera"  # a camera's alert (backend/nonsite), in the chain of the camera's system officer


class Subject(str, enum.Enum):
    """What a piece of evidence belongs to."""

    complaint = "complaint"  # 诉件
    finding = "finding"  # 督察发现
    inspection = "inspection"  # 检查
    case = "case"  # 案件（案件系统的案号）
    alert = "alert"  # 非现场告警（backend/nonsite）
    order = "order"  # 外部工单（backend/orders）
    statement = "statement"  # 非现场案件当事人陈述申辩的附件（subject_ref 为案件 id）


SUBJECT_NAMES = {
    Subject.complaint: "诉件",
    Subject.finding: "督察发现",
    Subject.inspection: "检查",
    Subject.case: "案件",
    Subject.alert: "非现场告警",
    Subject.order: "工单",
    Subject.statement: "当事人陈述申辩",
}


class CustodyAction(str, enum.Enum):
    view_original = "view_original"  # 查看原件
    download_original = "download_original"  # 下载原件（须填写原因）
    view_watermarked = "view_watermarked"  # 查看水印件
    export_redacted = "export_redacted"  # 导出脱敏件
    view_thumbnail = "view_thumbnail"  # 查看缩略图
    sent_out = "sent_out"  # 水印件随答复发给外部平台（reason 写明发给谁）


CUSTODY_NAMES = {
    CustodyAction.view_original: "查看原件",
    CustodyAction.download_original: "下载原件",
    CustodyAction.view_watermarked: "查看水印件",
    CustodyAction.export_redacted: "导出脱敏件",
    CustodyAction.view_thumbnail: "查看缩略图",
    CustodyAction.sent_out: "发给外部平台",
}


class CopyPurpose(str, enum.Enum):
    watermarked = "watermarked"  # 水印件: queued at intake
    redacted = "redacted"  # 脱敏件: queued when first asked for


def _enum(kind: type[enum.Enum], length: int) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True)


class Evidence(Base):
    """One photo or video; `record_hash` covers (`prev_hash`, `sha256`, the metadata), so no field changes unseen."""

    __tablename__ = "evidence"
    __scope__ = ("officer", "officer_id")
    __table_args__ = (UniqueConstraint("client_id"), UniqueConstraint("officer_id", "seq"))

    @classmethod
    def __needed_by__(cls, actor: Officer) -> ColumnElement[bool]:
        """Evidence shows people and places: a supervisor's work needs their own and that of findings, a
        legal reviewer's the cameras' images of alerts, a trainer's only their own (PIPL minimum necessary);
        the squad and district handle all in scope."""
        if actor.role in IMAGE_READERS or actor.role == Role.officer:
            return true()
        if actor.role == Role.supervisor:
            return or_(cls.officer_id == actor.id, cls.subject_type == Subject.finding)
        if actor.role == Role.legal_reviewer:  # the cameras' images of the cases they review
            return or_(cls.officer_id == actor.id, cls.subject_type.in_([Subject.alert, Subject.statement]))
        return cls.officer_id == actor.id

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # position in the officer's chain, from 1
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind, 8))
    source: Mapped[Source] = mapped_column(_enum(Source, 8))
    wechat_media_id: Mapped[str | None] = mapped_column(String(128))
    mime: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_key: Mapped[str] = mapped_column(String(200), index=True)
    watermarked_key: Mapped[str | None] = mapped_column(String(200), index=True)
    thumbnail_key: Mapped[str] = mapped_column(String(200), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # What the phone reported (GCJ-02).
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(200))
    # What the file itself says (EXIF; GPS converted to GCJ-02), and how far apart the two are.
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lng: Mapped[float | None] = mapped_column(Float)
    time_gap_s: Mapped[int | None] = mapped_column(Integer)
    place_gap_m: Mapped[int | None] = mapped_column(Integer)
    subject_type: Mapped[Subject | None] = mapped_column(_enum(Subject, 16))
    subject_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))

    officer: Mapped[Officer] = relationship()
    video_copies: Mapped[list[VideoCopy]] = relationship(back_populates="evidence")

    def video_copy(self, purpose: CopyPurpose) -> VideoCopy | None:
        return next((copy for copy in self.video_copies if copy.purpose == purpose), None)


class VideoCopy(Base):
    """A copy of an evidence video, made by a background job: re-encoding takes too long for a request.

    Not part of the hashed record: a copy is derived from the original, which the chain covers.
    """

    __tablename__ = "evidence_video_copy"
    __table_args__ = (UniqueConstraint("evidence_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    purpose: Mapped[CopyPurpose] = mapped_column(_enum(CopyPurpose, 16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    storage_key: Mapped[str | None] = mapped_column(String(200), index=True)  # set once made
    faces: Mapped[int | None] = mapped_column(Integer)  # redacted: the most faces blurred in one frame
    made_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failure: Mapped[str | None] = mapped_column(String(200))  # why it could not be made (not retried)

    evidence: Mapped[Evidence] = relationship(back_populates="video_copies")

    @property
    def state(self) -> str:
        return "failed" if self.failure else "made" if self.made_at else "pending"

    @property
    def message(self) -> str:
        return {"failed": f"无法生成：{self.failure}", "made": "已生成",
                "pending": f"排队中。{MADE_BY_SCHEDULER}"}[self.state]


# Video copies are made by the job evidence.video_copies, which only a scheduler runs.
MADE_BY_SCHEDULER = (
    "视频副本由后台任务生成，仅在运行调度器的服务器上进行（SCHEDULER_MODE=embedded 或 flask scheduler run）"
)


class ChainCheckpoint(Base):
    """The head of one officer's chain, signed with the server secret: cutting off the newest records shows."""

    __tablename__ = "evidence_checkpoint"
    __scope__ = ("officer", "officer_id")

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CustodyEntry(Base):
    """One access to a piece of evidence: who, when, what, why. Append-only, and chained like the records:
    the entries about one officer's evidence form that officer's custody chain, each carrying the hash of
    the one before, so no entry is deleted or changed unseen."""

    __tablename__ = "evidence_custody"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    action: Mapped[CustodyAction] = mapped_column(_enum(CustodyAction, 24))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)  # position in the custody chain of the evidence's officer, from 1
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Officer] = relationship()


@event.listens_for(Evidence, "before_update")
@event.listens_for(Evidence, "before_delete")
@event.listens_for(CustodyEntry, "before_update")
@event.listens_for(CustodyEntry, "before_delete")
def _append_only(_mapper, _connection, target):
    raise RuntimeError(f"{type(target).__name__} is append-only")
