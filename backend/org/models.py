"""Districts, squads, officers, community offices and login tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    officer = "officer"  # 执法队员
    squad_leader = "squad_leader"  # 中队长
    district_admin = "district_admin"  # 区局管理员
    supervisor = "supervisor"  # 督察员
    trainer = "trainer"  # 教员
    legal_reviewer = "legal_reviewer"  # 法制审核员
    town_leader = "town_leader"  # 街镇领导: reads the squads of their 街镇, changes nothing
    city_admin = "city_admin"  # 市局管理员
    city_supervisor = "city_supervisor"  # 市局督察员
    city_trainer = "city_trainer"  # 市局教员


ROLE_NAMES = {
    Role.officer: "执法队员",
    Role.squad_leader: "中队长",
    Role.district_admin: "区局管理员",
    Role.supervisor: "督察员",
    Role.trainer: "教员",
    Role.legal_reviewer: "法制审核员",
    Role.town_leader: "街镇领导",
    Role.city_admin: "市局管理员",
    Role.city_supervisor: "市局督察员",
    Role.city_trainer: "市局教员",
}

# The roles of the city bureau (市局): they belong to no district (their `district_id` is null, a check says so).
CITY_ROLE_VALUES = ("city_admin", "city_supervisor", "city_trainer")
# The roles that belong to no squad.
STAFF_ROLE_VALUES = ("district_admin", "supervisor", "trainer", "legal_reviewer", "town_leader") + CITY_ROLE_VALUES


class DistrictRecord:
    """A record a district keeps for itself (its data scope is the district): its id and its district."""

    __scope__ = ("district", "district_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)


class Authored:
    """Who made a record, and when."""

    created_by_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class District(Base):
    """区局."""

    __tablename__ = "district"
    __scope__ = ("district", "id")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    wechat_department_id: Mapped[int | None] = mapped_column(unique=True)

    squads: Mapped[list[Squad]] = relationship(back_populates="district")


class Town(Base):
    """街镇: the street or town government a squad works under since 执法力量下沉街镇; its leaders read their
    squads' duty, complaints, points and training (助力街镇对执法一线执法人员的绩效评价)."""

    __tablename__ = "town"
    __scope__ = ("town", "id")

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))

    district: Mapped[District] = relationship()
    squads: Mapped[list[Squad]] = relationship(back_populates="town")


class Squad(Base):
    """街镇综合行政执法队 (中队)."""

    __tablename__ = "squad"
    __scope__ = ("squad", "id")
    # A district never has two squads of one name: people pick a squad by its name (rosters, reports, exports).
    __table_args__ = (UniqueConstraint("district_id", "name", name="uq_squad_district_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    wechat_department_id: Mapped[int | None] = mapped_column(unique=True)
    # The department's name in the government-WeChat directory as the last contacts sync read it. The sync
    # follows a directory rename only while `name` still equals it: a squad renamed in the console keeps its
    # name, and the sync status shows both (backend/wechat/contacts.py).
    wechat_name: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), index=True)

    district: Mapped[District] = relationship(back_populates="squads")
    town: Mapped[Town | None] = relationship(back_populates="squads")


class Officer(Base):
    """Everyone who signs in: field officers and staff alike; `role` says which."""

    __tablename__ = "officer"
    __scope__ = ("officer", "id")
    __table_args__ = (
        CheckConstraint(f"role in {STAFF_ROLE_VALUES} or squad_id is not null", name="squad_member_has_squad"),
        CheckConstraint(f"(role in {CITY_ROLE_VALUES}) = (district_id is null)", name="city_staff_have_no_district"),
        CheckConstraint("(role = 'town_leader') = (town_id is not null)", name="town_leader_has_town"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, validate_strings=True))
    # Null exactly for the city bureau's staff, who belong to no district.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"), index=True)
    # The 街镇 a town leader reads (only theirs; null for everyone else).
    town_id: Mapped[int | None] = mapped_column(ForeignKey("town.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    wechat_userid: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    squad: Mapped[Squad | None] = relationship()
    district: Mapped[District | None] = relationship()
    town: Mapped[Town | None] = relationship()


class CommunityOffice(Base):
    """城管社区工作室: run by a squad, tied to a residential committee."""

    __tablename__ = "community_office"
    __scope__ = ("squad", "squad_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"), index=True)
    residential_committee: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(256))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    coord_system: Mapped[str] = mapped_column(String(8), default="gcj02")

    squad: Mapped[Squad] = relationship()


class AuthToken(Base):
    """A bearer token; only its SHA-256 is stored, so a leaked table gives no working token."""

    __tablename__ = "auth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # password | wechat
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship()
