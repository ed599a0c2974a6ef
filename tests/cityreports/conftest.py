"""A month built by hand in two districts, for the city report's and the 街镇 index's known-answer tests."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from backend.community.models import Status as ComplaintStatus
from backend.db import LOCAL_TZ, session
from backend.duty.models import CheckKind, DutyCheck, Timing
from backend.orders.models import OrderSource, SourceKind, Status, WorkOrder
from backend.supervision.cases.models import CaseFlag, FlagKind
from backend.supervision.points.models import MonthlyPoints, SheetState
from backend.training.models import Course, CourseCompletion
from tests.clock import pinned
from tests.orders.builders import complaint

_pinned_clock = pinned(2026, 4, 15, 12, 0)

_numbers = itertools.count(1)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def shift(make, officer, day: str, *, check_in: Timing | None = None, out_of_area: bool = False,
          absent: bool = False):
    """An 8-hour shift of `officer` on `day`, with its check-in (if any)."""
    starts = local(f"{day} 08:00")
    made = make.shift(officer, starts, starts + timedelta(hours=8))
    made.absent, made.attended_minutes = absent, 0 if absent else 480
    if check_in is not None:
        session.add(DutyCheck(client_id=f"c{next(_numbers)}", officer_id=officer.id, shift_id=made.id,
                              kind=CheckKind.check_in, client_at=starts, timing=check_in, out_of_area=out_of_area,
                              minutes_off=10 if check_in == Timing.late else 0, lat=31.23, lng=121.47,
                              accuracy_m=10.0, received_at=starts))
    session.flush()
    return made


def order(source, squad, received: str, *, resolved: str | None = None, followup: str | None = None):
    received_at = local(received)
    session.add(WorkOrder(source_id=source.id, source_order_id=f"R{next(_numbers)}", body_sha256="0" * 64,
                          squad_id=squad.id, category="street_vending", source_category="A0101", description="工单",
                          status=Status.resolved if resolved else Status.accepted, received_at=received_at,
                          accept_due_at=received_at + timedelta(hours=2),
                          resolve_due_at=received_at + timedelta(hours=24), deadlines_from_source=False,
                          resolved_at=local(resolved) if resolved else None, followup_result=followup,
                          lat=31.22, lng=121.44 + next(_numbers) / 100))


def completed(officer, category: str, hours: str, on: date):
    course = Course(district_id=officer.district_id, title=f"课程{next(_numbers)}", category=category,
                    credit_hours=Decimal(hours))
    session.add(course)
    session.flush()
    session.add(CourseCompletion(course_id=course.id, officer_id=officer.id, completed_on=on,
                                 recorded_by_id=officer.id))


def sheet(officer, total: str, state: SheetState = SheetState.published):
    session.add(MonthlyPoints(officer_id=officer.id, month=date(2026, 3, 1), district_id=officer.district_id,
                              squad_id=officer.squad_id, state=state, base=Decimal("100"),
                              items_total=Decimal(total) - 100, total=Decimal(total), deductions=Decimal("0"),
                              version=1))


@pytest.fixture
def city(make):
    """March 2026 in two districts.

    A (squads a1, a2; officers o1 in a1, o2 in a2): o1 has 3 March shifts (late; on time out of area; absent) and
    one on 28 February; 2 orders of a1 (on time and 满意; late), a complaint of a2 on time rated 5 and a rejected
    one; 2 cases of o1 registered and closed in March, one with a 办案超期 flag; credit hours: o1 online 60 in
    January (classroom none: behind) and classroom 24 in April (after the month), o2 online 20 and classroom 10
    (on track at the end of March: 90/365 of 60 and 24); sheets o1 101 (好), o2 88 (below every floor).
    B (squad b1, o3): one shift checked in on time.
    街镇: 静安寺街道 (a1) and 南京西路街道 (a2) in A, 外滩街道 (b1) in B.
    """
    a1 = make.squad(name="静安寺街道中队")
    a2 = make.squad(a1.district, name="南京西路街道中队")
    b1 = make.squad(name="外滩街道中队")
    o1, o2, o3 = make.officer(squad=a1), make.officer(squad=a2), make.officer(squad=b1)
    shift(make, o1, "2026-03-02", check_in=Timing.late)
    shift(make, o1, "2026-03-03", check_in=Timing.on_time, out_of_area=True)
    shift(make, o1, "2026-03-04", absent=True)
    shift(make, o1, "2026-02-28", check_in=Timing.late)
    shift(make, o3, "2026-03-02", check_in=Timing.on_time)
    source = OrderSource(district_id=a1.district_id, squad_id=a1.id, name=f"cr{next(_numbers)}", title="区城运中心",
                         kind=SourceKind.city_platform, key_encrypted=b"-", coord_system="gcj02", category_map={},
                         status_map={})
    session.add(source)
    session.flush()
    order(source, a1, "2026-03-02 09:00", resolved="2026-03-02 15:00", followup="satisfied")
    order(source, a1, "2026-03-05 09:00", resolved="2026-03-07 09:00")
    office = make.office(a2)
    complaint(make, office, "2026-03-03 09:00", resolved="2026-03-03 12:00", rating=5)
    complaint(make, office, "2026-03-12 09:00", status=ComplaintStatus.rejected)
    make.case_record(o1, discovered_on=date(2026, 3, 1), registered_on=date(2026, 3, 2), closed_on=date(2026, 3, 20))
    late = make.case_record(o1, discovered_on=date(2025, 11, 1), registered_on=date(2025, 11, 5),
                            closed_on=date(2026, 3, 25))
    session.add(CaseFlag(case_id=late.id, kind=FlagKind.handling_overdue, day=date(2026, 3, 10), officer_id=o1.id,
                         squad_id=a1.id))
    completed(o1, "online", "60", date(2026, 1, 10))
    completed(o1, "classroom", "24", date(2026, 4, 2))
    completed(o2, "online", "20", date(2026, 2, 1))
    completed(o2, "classroom", "10", date(2026, 3, 31))
    sheet(o1, "101")
    sheet(o2, "88", SheetState.draft)
    session.commit()
    towns = {"t1": make.town(a1.district, a1, name="静安寺街道"), "t2": make.town(a1.district, a2, name="南京西路街道"),
             "t3": make.town(b1.district, b1, name="外滩街道")}
    session.commit()
    return {"a": a1.district, "b": b1.district, "a1": a1, **towns}
