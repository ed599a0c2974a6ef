"""Regulated objects (执法对象) and their kinds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow
from backend.org.models import Squad


class ObjectKind(Base):
    """A kind of regulated object (沿街商户, 建筑工地 …): data each district keeps."""

    __tablename__ = "inspection_object_kind"
    __scope__ = ("district", "district_id")
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))


class RegulatedObject(Base):
    """One regulated object: who it is, where, whom to contact (encrypted) and who answers for it."""

    __tablename__ = "inspection_object"
    __scope__ = ("squad", "squad_id")
    __table_args__ = (UniqueConstraint("district_id", "credit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("inspection_object_kind.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str] = mapped_column(String(18))
    licence_numbers: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    contact_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)  # {"name", "phone"} as JSON, encrypted
    contact_masked: Mapped[str | None] = mapped_column(String(40))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    grid_cell: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    kind: Mapped[ObjectKind] = relationship()
    squad: Mapped[Squad] = relationship()
