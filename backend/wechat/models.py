"""The shared cache of government-WeChat access tokens and JS-SDK tickets; messages waiting to be resent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class WeChatCacheEntry(Base):
    """One cached value of wechatpy's session storage (JSON), shared by every server process."""

    __tablename__ = "wechat_cache"

    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingMessage(Base):
    """A text card government WeChat could not take when it was sent; the resend job retries it."""

    __tablename__ = "wechat_pending_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    userids: Mapped[str] = mapped_column(Text)  # the recipients' WeChat UserIds, separated by "|"
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(512))
    btntxt: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200))
