"""The weights of the 街镇依法行政指数: one row per component, the city's (no district) or a district's own."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class IndexWeight(Base):
    """A component's weight in the 街镇 index. The seeds give no weights: the migration seeds the city's rows as
    example defaults (set_by_id empty), which the city replaces, and a district may set its own for its 街镇."""

    __tablename__ = "town_index_weight"
    __table_args__ = (
        UniqueConstraint("district_id", "component"),
        CheckConstraint("weight between 0 and 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)  # None: the city's
    component: Mapped[str] = mapped_column(String(32))
    weight: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))  # None: the seeded example default
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
