"""Today's duty board (今日勤务看板): each shift of a day with where its officer stands now."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from backend.config import settings
from backend.db import session
from backend.duty.models import Approval, CheckKind, DutyCheck, Post, Shift, Timing
from backend.org.models import Officer
from backend.org.scope import visible

STATE_NAMES = {
    "upcoming": "未到签到时间",
    "missing": "未签到",
    "absent": "缺勤",
    "out_of_area_pending": "外勤待审批",
    "out_of_area_rejected": "外勤已驳回",
    "late": "迟到",
    "on_duty": "在岗",
    "checked_out": "已签退",
}


def shift_state(shift: Shift, check_in: DutyCheck | None, check_out: DutyCheck | None, now: datetime) -> str:
    """Where a shift stands at `now`: the out-of-area decision waiting comes first, then lateness, absence."""
    if check_in is None:
        if shift.absent or shift.ends_at <= now:
            return "absent"
        return "missing" if now > shift.starts_at + timedelta(minutes=settings().DUTY_GRACE_MINUTES) else "upcoming"
    if check_in.out_of_area and check_in.approval == Approval.pending:
        return "out_of_area_pending"
    if check_in.out_of_area and check_in.approval == Approval.rejected:
        return "out_of_area_rejected"
    if check_out is not None:
        return "checked_out"
    return "late" if check_in.timing == Timing.late else "on_duty"


def board(actor: Officer, day: date, now: datetime, squad_id: int | None = None) -> list[dict]:
    """The day's shifts in `actor`'s scope with officer, post, check-in, check-out and state: one query."""
    check_in, check_out = aliased(DutyCheck), aliased(DutyCheck)
    stmt = (select(Shift, Officer.name, Officer.badge_no, Post.name, check_in, check_out)
            .join(Officer, Officer.id == Shift.officer_id)
            .outerjoin(Post, Post.id == Shift.post_id)
            .outerjoin(check_in, and_(check_in.shift_id == Shift.id, check_in.kind == CheckKind.check_in))
            .outerjoin(check_out, and_(check_out.shift_id == Shift.id, check_out.kind == CheckKind.check_out))
            .where(Shift.day == day, visible(Shift, actor))
            .order_by(Shift.starts_at, Officer.badge_no, Shift.id))
    if squad_id is not None:
        stmt = stmt.where(Shift.squad_id == squad_id)
    rows = []
    for shift, name, badge_no, post_name, came, left in session.execute(stmt):
        state = shift_state(shift, came, left, now)
        rows.append({"shift": shift, "officer_name": name, "badge_no": badge_no, "post_name": post_name,
                     "check_in": came, "check_out": left, "state": state, "state_name": STATE_NAMES[state]})
    return rows
