"""Where access tokens and JS-SDK tickets live: the database by default, Redis when REDIS_URL is set."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import redis
from sqlalchemy import delete, event, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from wechatpy.session import SessionStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.config import Settings
from backend.db import session, utcnow
from backend.wechat.models import WeChatCacheEntry

log = logging.getLogger(__name__)

PENDING_WRITES = "wechat_cache_pending_writes"  # key in Session.info: cache writes not yet committed


class DatabaseStorage(SessionStorage):
    """wechatpy session storage in the `wechat_cache` table, through the caller's session.

    Writes join the caller's transaction in a savepoint, so a cache write never needs a second
    connection (which would wait on SQLite's single writer). They commit with the request or job;
    if that rolls back, they are written again in the transaction that follows (the request
    boundary commits its audit row there), because a token WeChat issued is still good. A write
    that cannot get the lock is dropped: the next call simply fetches the token again.
    """

    def get(self, key, default=None):
        value = session.scalar(select(WeChatCacheEntry.value).where(
            WeChatCacheEntry.key == key,
            or_(WeChatCacheEntry.expires_at.is_(None), WeChatCacheEntry.expires_at > utcnow()),
        ))
        return default if value is None else json.loads(value)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        row = {"value": json.dumps(value), "expires_at": utcnow() + timedelta(seconds=ttl) if ttl else None}
        self._write(insert(WeChatCacheEntry).values(key=key, **row)
                    .on_conflict_do_update(index_elements=[WeChatCacheEntry.key], set_=row))

    def delete(self, key):
        self._write(delete(WeChatCacheEntry).where(WeChatCacheEntry.key == key))

    @staticmethod
    def _write(statement) -> None:
        _execute(session(), statement)
        session.info.setdefault(PENDING_WRITES, []).append(statement)


def _execute(db: Session, statement) -> None:
    try:
        with db.begin_nested():
            db.execute(statement)
    except OperationalError:
        log.warning("WeChat cache not written (database busy); the value will be fetched again", exc_info=True)


@event.listens_for(session, "after_commit")
def _forget_written(db: Session) -> None:
    if not db.in_transaction():  # the outermost commit, not a savepoint's
        db.info.pop(PENDING_WRITES, None)


@event.listens_for(session, "after_soft_rollback")
def _write_again(db: Session, previous_transaction) -> None:
    """Keep tokens and tickets fetched during work that was rolled back."""
    if previous_transaction.nested or not db.is_active:
        return
    for statement in db.info.get(PENDING_WRITES, []):
        _execute(db, statement)


def make_storage(current: Settings) -> SessionStorage:
    """Redis when REDIS_URL is set, else the database."""
    if current.REDIS_URL:
        connection = redis.Redis.from_url(current.REDIS_URL, socket_timeout=current.WECHAT_TIMEOUT_SECONDS)
        return RedisStorage(connection, prefix=current.WECHAT_CACHE_PREFIX)
    return DatabaseStorage()
