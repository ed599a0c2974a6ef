"""Passwords, bearer tokens and the login lockout."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from backend.audit import AuditEntry
from backend.db import session, utcnow
from backend.errors import TooManyRequests, Unauthorized
from backend.org.models import AuthToken, Officer

LOGIN_ACTION = "POST auth.login"
# Every request pays for this one: the officer and the token's state in one round trip, built once.
_TOKEN_OWNER = (select(Officer, AuthToken.revoked_at, AuthToken.expires_at).join(AuthToken.officer)
                .where(AuthToken.token_hash == bindparam("token_hash")))

# Compared against when the badge number is unknown, so both paths cost one hash.
_DUMMY_HASH = generate_password_hash("not-a-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, salted


def token_hash(token: str) -> str:
    """What a bearer token is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_holder(roles, now):
    """The officer (id, district_id) of the token hashed as the parameter `token_hash`, if `authenticate` would
    accept it at `now` (a bind parameter) and the officer has one of `roles`: for a hot statement that checks the
    token in its own round trip (it never sees a token revoked a moment ago in another worker as valid). No row:
    the caller asks `authenticate` why."""
    return (select(Officer.id, Officer.district_id).join(AuthToken.officer)
            .where(AuthToken.token_hash == bindparam("token_hash"), AuthToken.revoked_at.is_(None),
                   AuthToken.expires_at > now, Officer.active.is_(True),
                   or_(*(Officer.role == role for role in sorted(roles, key=lambda role: role.value))))
            .subquery("holder"))


def issue_token(officer: Officer, *, channel: str, ttl: timedelta) -> tuple[str, AuthToken]:
    """Create a bearer token for `officer`; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    row = AuthToken(token_hash=token_hash(token), officer=officer, channel=channel,
                    expires_at=utcnow() + ttl)
    session.add(row)
    session.flush()
    return token, row


def recent_failures(badge_no: str, window: timedelta) -> int:
    """Failed logins for `badge_no` within `window` since its last successful login."""
    since = utcnow() - window
    last_success = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == LOGIN_ACTION, AuditEntry.object_id == badge_no, AuditEntry.outcome < 400
        )
    )
    if last_success is not None and last_success > since:
        since = last_success
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == LOGIN_ACTION, AuditEntry.object_id == badge_no,
            AuditEntry.outcome == 401, AuditEntry.at > since,
        )
    )


def login(badge_no: str, password: str, *, ttl: timedelta, max_failures: int, lockout: timedelta):
    """Check a staff password and issue a token; failures are counted from the audit log."""
    if recent_failures(badge_no, lockout) >= max_failures:
        minutes = int(lockout.total_seconds() // 60)
        raise TooManyRequests(f"连续{max_failures}次密码错误，账号已锁定，请{minutes}分钟后再试", code="account_locked")
    officer = session.scalars(select(Officer).where(Officer.badge_no == badge_no)).one_or_none()
    usable = officer is not None and officer.active and officer.password_hash
    # A deactivated account pays for the same hash and answers as a wrong password does, whether or not
    # the password is right: the answer tells nobody which badge numbers exist or were deactivated.
    if not check_password_hash(officer.password_hash if usable else _DUMMY_HASH, password) or not usable:
        raise Unauthorized("工号或密码错误", code="bad_credentials")
    return issue_token(officer, channel="password", ttl=ttl)


def authenticate(token: str | None) -> Officer:
    """The officer a bearer token belongs to, or Unauthorized with the reason."""
    if not token:
        raise Unauthorized("缺少登录凭证，请先登录", code="token_missing")
    row = session.execute(_TOKEN_OWNER, {"token_hash": token_hash(token)}).one_or_none()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录凭证无效，请重新登录", code="token_invalid")
    if row.expires_at <= utcnow():
        raise Unauthorized("登录已过期，请重新登录", code="token_expired")
    if not row.Officer.active:
        raise Unauthorized("该账号已停用", code="officer_inactive")
    return row.Officer


def token_id(token: str) -> int:
    """The stored row of a bearer token already authenticated (the session a download link is signed with)."""
    return session.scalar(select(AuthToken.id).where(AuthToken.token_hash == token_hash(token)))


def session_officer(token_id: int | None) -> Officer:
    """The officer of the session `token_id` while it is in force (a download link's signer), else Unauthorized."""
    row = session.execute(select(Officer, AuthToken.revoked_at, AuthToken.expires_at).join(AuthToken.officer)
                          .where(AuthToken.id == token_id)).one_or_none() if isinstance(token_id, int) else None
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.Officer.active:
        raise Unauthorized("生成该下载链接的登录已失效，请重新登录", code="link_session_ended")
    return row.Officer


def revoke_tokens(officer: Officer) -> None:
    """End every session of `officer`: each token still in force is revoked, so they must sign in again."""
    session.execute(update(AuthToken).where(AuthToken.officer_id == officer.id, AuthToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def logout(token: str) -> None:
    """Revoke the token in use."""
    row = session.scalars(select(AuthToken).where(AuthToken.token_hash == token_hash(token))).one()
    row.revoked_at = utcnow()
    session.flush()
