"""The shared cache of government-WeChat access tokens and JS-SDK tickets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime


class WeChatCacheEntry(Base):
    """One cached value of wechatpy's session storage (JSON), shared by every server process."""

    __tablename__ = "wechat_cache"

    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

