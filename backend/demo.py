"""Demo data for a first look: one district, two squads, people of every role, two community offices, and
their recent work through the domain operations (so every console page shows something on the first start):
posts, the roster from the first of last month to today with its check-ins (on time, late, absent, one
out-of-area check-in waiting for approval today) and today's patrol pings since each check-in (the board's
tracks), last month's points (one squad's reviewed, the other's drafts), complaints in every state, some of them
overdue, work orders from the city operations centre (one overdue), a question bank, two courses with a linked
and a stored material, this year's completions and mandatory plan, a paper the officers took, a live class on
now that three joined and one left (its QR code, head count, attendance and big screen on the courses page),
supervision findings with a notice, imported cases for the 两超期两随意 report, the quarter before last
month's confirmed (its months locked) for the appraisal page, and, when its platform (`DEMO_SENDER`) has a key in
NONSITE_SENDER_KEYS (`make run` gives it one), a camera with this month's alerts for the non-site monthly report:
one waiting, one dismissed, three confirmed (a case 立案, one in 法制审核, one 撤案 approved)."""
from __future__ import annotations

import base64
import hashlib
import io
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from backend import periods
from backend.community import operations as complaints
from backend.community.models import Complaint, ComplaintEvent
from backend.community.signing import office_signature
from backend.db import LOCAL_TZ, local_day, session, utcnow
from backend.duty import checkins, positions
from backend.duty import operations as duty
from backend.duty.jobs import close_day
from backend.duty.models import CheckKind
from backend.inspections.boundary import set_boundary
from backend.nonsite import ending as nonsite_ending
from backend.nonsite import legal as nonsite_legal
from backend.nonsite import operations as nonsite
from backend.nonsite.calendar import EXAMPLE_2026
from backend.nonsite.models import CalendarDay, Decision, FalsePositive
from backend.nonsite.signing import sender_keys
from backend.orders import handling as orders
from backend.orders import intake
from backend.orders import operations as order_sources
from backend.orders.models import WorkOrderEvent
from backend.org.auth import hash_password
from backend.org.models import CommunityOffice, District, Officer, Role, Squad, Town
from backend.supervision.cases import operations as cases
from backend.supervision.findings import operations as findings
from backend.supervision.findings.models import NoticeKind, Severity
from backend.supervision.points import appraisal
from backend.supervision.points import jobs as points_jobs
from backend.supervision.points import operations as points
from backend.supervision.points.models import MonthlyPoints, QuarterlyEvaluation
from backend.training import operations as training
from backend.training.exams import bank as question_banks
from backend.training.exams import operations as exams
from backend.training.exams.models import PaperMode, Question, QuestionKind
from backend.training.live import classes as live_classes

DEMO_PASSWORD = "chengguan-demo"

# badge, name, role, squad index (None for district staff), WeChat UserId
PEOPLE = [
    ("JA0001", "陈建国", Role.district_admin, None, "chenjianguo"),
    ("JA0002", "刘敏", Role.supervisor, None, "liumin"),
    ("JA0003", "王老师", Role.trainer, None, "wanglaoshi"),
    ("JA0004", "吴律", Role.legal_reviewer, None, "wulv"),
    ("JA1001", "张伟", Role.squad_leader, 0, "zhangwei"),
    ("JA1002", "李娜", Role.officer, 0, "lina"),
    ("JA1003", "王强", Role.officer, 0, "wangqiang"),
    ("JA2001", "赵磊", Role.squad_leader, 1, "zhaolei"),
    ("JA2002", "孙丽", Role.officer, 1, "sunli"),
    ("JA2003", "周杰", Role.officer, 1, "zhoujie"),
]
# The 街镇 the two squads work under (code, name; squad i under town i) and their leaders (badge, name, town index).
TOWNS = [("JA-JAS", "静安寺街道办事处"), ("JA-NJX", "南京西路街道办事处")]
TOWN_LEADERS = [("JA5001", "钱静", 0), ("JA5002", "冯宁", 1)]
# The city bureau (市局), of no district.
CITY_PEOPLE = [("SH0001", "郑市", Role.city_admin), ("SH0002", "何督", Role.city_supervisor),
               ("SH0003", "林教", Role.city_trainer)]


def load_demo() -> bool:
    """Insert the demo org unless it is there already; True if it was inserted."""
    if session.scalar(select(District.id).where(District.code == "JA")) is not None:
        return False
    district = District(code="JA", name="静安区城管执法局", wechat_department_id=10)
    towns = [Town(district=district, code=code, name=name) for code, name in TOWNS]
    squads = [
        Squad(district=district, name="静安寺街道中队", wechat_department_id=11, wechat_name="静安寺街道中队",
              town=towns[0]),
        Squad(district=district, name="南京西路街道中队", wechat_department_id=12, wechat_name="南京西路街道中队",
              town=towns[1]),
    ]
    session.add_all([district, *towns, *squads])
    password_hash = hash_password(DEMO_PASSWORD)
    for badge_no, name, role, squad_index, userid in PEOPLE:
        session.add(Officer(
            badge_no=badge_no, name=name, role=role, district=district, active=True,
            squad=squads[squad_index] if squad_index is not None else None,
            phone=f"1380000{badge_no[-4:]}", wechat_userid=userid, password_hash=password_hash,
        ))
    for badge_no, name, town_index in TOWN_LEADERS:
        session.add(Officer(badge_no=badge_no, name=name, role=Role.town_leader, district=district,
                            town=towns[town_index], active=True, password_hash=password_hash))
    for badge_no, name, role in CITY_PEOPLE:
        session.add(Officer(badge_no=badge_no, name=name, role=role, district=None, active=True,
                            password_hash=password_hash))
    session.add_all([
        CommunityOffice(code="JA-JAS-01", name="静安寺街道城管社区工作室（华山居委）", squad=squads[0],
                        residential_committee="华山居委会", address="静安区华山路 228 号",
                        lat=31.2235, lng=121.4452),
        CommunityOffice(code="JA-NJX-01", name="南京西路街道城管社区工作室（大田居委）", squad=squads[1],
                        residential_committee="大田居委会", address="静安区大田路 470 号",
                        lat=31.2376, lng=121.4640),
    ])
    session.flush()
    session.add_all(CalendarDay(district_id=district.id, day=day, working=working, name=name)
                    for day, working, name in EXAMPLE_2026)  # an example year: the seeds give no calendar
    officers = {officer.badge_no: officer for officer in session.scalars(select(Officer).where(
        Officer.district_id == district.id, Officer.role != Role.town_leader))}
    now = utcnow()
    posts = _posts(officers)
    _roster_and_checks(officers, posts, now)
    _locked_quarter(officers, local_day(now))
    _last_month_points(officers, local_day(now))
    _complaints(officers, now)
    _work_orders(officers, now)
    _training(officers, local_day(now))
    _exam_and_live_class(officers, now)
    _supervision(officers, now)
    _notice_awaiting_review(officers, now)
    if DEMO_SENDER in sender_keys():
        _camera_alerts(officers, now)
    set_boundary(officers["JA0001"], points=[{"lat": lat, "lng": lng} for lat, lng in EXAMPLE_BOUNDARY],
                 note="示例边界：静安区的大致范围，仅供演示，不是官方区界；请以区规划资源局提供的区界替换",
                 example=True)
    session.flush()
    return True


# An example boundary of the demo district (GCJ-02): a rough outline of 静安区 around every demo place, not its real
# boundary (labelled so: DistrictBoundary.example); a district sets its own with PUT /api/inspections/boundary.
EXAMPLE_BOUNDARY = [(31.2150, 121.4330), (31.2180, 121.4700), (31.2400, 121.4760), (31.2700, 121.4800),
                    (31.3200, 121.4700), (31.3180, 121.4300), (31.2700, 121.4350), (31.2400, 121.4250)]


# badge of the leader, then per post: name, centre (GCJ-02), radius in metres
POSTS = {
    "JA1001": [("静安寺广场", 31.2234, 121.4456, 150), ("愚园路商业街", 31.2226, 121.4383, 200)],
    "JA2001": [("南京西路步行街", 31.2355, 121.4651, 200), ("大田路菜场", 31.2382, 121.4629, 120)],
}
FIELD_OFFICERS = {"JA1002": ("JA1001", 0), "JA1003": ("JA1001", 1), "JA2002": ("JA2001", 0),
                  "JA2003": ("JA2001", 1)}  # officer: (leader, post index)


def _posts(officers: dict[str, Officer]) -> dict[str, list]:
    return {leader: [duty.create_post(officers[leader], name=name, fence={
        "shape": "circle", "coord_system": "gcj02", "center": {"lat": lat, "lng": lng}, "radius_m": radius})
        for name, lat, lng, radius in places] for leader, places in POSTS.items()}


def _check(officer: Officer, kind: CheckKind, shift, at: datetime, post, *, away_m: float = 0, reason=None):
    """A check-in or check-out submitted at `at` (as the phone would have sent it then), `away_m` north of the post."""
    checkins.submit_check(officer, kind, client_id=f"demo-{shift.id}-{kind.value}", shift_id=shift.id, client_at=at,
                          lat=post.center_lat + away_m / 111_000, lng=post.center_lng, coord_system="gcj02",
                          accuracy_m=15.0, reason=reason, now=at)


def _roster_and_checks(officers: dict[str, Officer], posts: dict[str, list], now: datetime) -> None:
    """Weekday shifts 08:30–17:00 from the first of last month, checked in and out (one late, one absent a week);
    today's shifts began two hours ago: one on post, one out of area waiting, one late, one not yet checked in."""
    today = local_day(now)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for index, (badge, (leader, post_index)) in enumerate(FIELD_OFFICERS.items()):
        officer, post = officers[badge], posts[leader][post_index]
        days = [day for day in (first + timedelta(days=n) for n in range((today - first).days)) if day.weekday() < 5]
        lines = [dict(officer_id=officer.id, day=day, start=time(8, 30), end=time(17), duty_type="patrol",
                      post_id=post.id) for day in days]
        for shift in duty.create_shifts(officers[leader], lines):
            if shift.day.toordinal() % 5 == index:  # a day off sick now and then: no check-in, absent
                continue
            late = timedelta(minutes=17) if shift.day.toordinal() % 7 == index else timedelta(minutes=-4)
            _check(officer, CheckKind.check_in, shift, shift.starts_at + late, post)
            _check(officer, CheckKind.check_out, shift, shift.ends_at + timedelta(minutes=3), post)
    close_day(today - timedelta(days=1), now)  # every past shift: no check-in is an absence
    local_start = (now.astimezone(LOCAL_TZ) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    start = max(local_start, datetime.combine(today, time(0), LOCAL_TZ))
    end = start + timedelta(hours=8)
    for index, (badge, (leader, post_index)) in enumerate(FIELD_OFFICERS.items()):
        post = posts[leader][post_index]
        [shift] = duty.create_shifts(officers[leader], [dict(
            officer_id=officers[badge].id, day=today, start=start.time(), end=end.time(), duty_type="patrol",
            post_id=post.id, ends_next_day=end.date() > today)])
        if index == 0:
            _check(officers[badge], CheckKind.check_in, shift, shift.starts_at + timedelta(minutes=2), post)
            _patrol(officers[badge], shift, post, shift.starts_at + timedelta(minutes=2), now)
        elif index == 1:
            _check(officers[badge], CheckKind.check_in, shift, shift.starts_at + timedelta(minutes=1), post,
                   away_m=900, reason="群众求助，在点位外处置占道堆物")
            _patrol(officers[badge], shift, post, shift.starts_at + timedelta(minutes=1), now, away_m=900)
        elif index == 2:
            checked_in = min(now, shift.starts_at + timedelta(minutes=25))
            _check(officers[badge], CheckKind.check_in, shift, checked_in, post)
            _patrol(officers[badge], shift, post, checked_in, now)


PATROL_PINGS, PATROL_RADIUS_M, PATROL_STEP_M = 8, 60, 90


def _patrol(officer: Officer, shift, post, since: datetime, now: datetime, *, away_m: float = 0) -> None:
    """Today's patrol pings since the check-in, each sent when it was taken: eight around the post in a circle of
    60 m (inside its fence), or, `away_m` north of it (out of area), eight walking back south 90 m at a time."""
    if now <= since:
        return
    for n in range(PATROL_PINGS):
        at = since + (now - since) * n / PATROL_PINGS
        if away_m:
            north, east = away_m - PATROL_STEP_M * n, 0.0
        else:
            angle = 2 * math.pi * n / PATROL_PINGS
            north, east = PATROL_RADIUS_M * math.cos(angle), PATROL_RADIUS_M * math.sin(angle)
        positions.record_positions(officer, [{
            "client_id": f"demo-{shift.id}-ping-{n}", "recorded_at": at, "coord_system": "gcj02", "accuracy_m": 10.0,
            "lat": post.center_lat + north / 111_000,
            "lng": post.center_lng + east / (111_000 * math.cos(math.radians(post.center_lat)))}], now=at)


def _last_month_points(officers: dict[str, Officer], today: date) -> None:
    """Daily records of every past day, last month's sheets; the first squad's month adjusted and reviewed.

    Each day's records are built, and each month refreshed once after its last day here, as the backfill command
    does (not after every day, as the nightly job does in its own transaction): the sheets, quarters and years are
    those of the records, whichever way they came; refreshing after each day only redid the quarter and the year
    (ranked squad by squad) 30 times over."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    days = [first + timedelta(days=n) for n in range((today - first).days)]
    for day in days:
        points.build_daily_records(day)
    points_jobs.monthly_points(first)  # the month that ended: what the job on the 1st does
    for month in sorted({day.replace(day=1) for day in days} - {first}):
        points.refresh_month(month)
    leader = officers["JA1001"]
    sheets = list(session.scalars(select(MonthlyPoints).where(MonthlyPoints.month == first,
                                                              MonthlyPoints.squad_id == leader.squad_id)))
    for sheet in sheets:
        if sheet.officer_id == officers["JA1002"].id:
            points.add_adjustment(leader, sheet, points=Decimal("2"), reason="协助处置突发事件")
        if sheet.officer_id != leader.id:
            points.review(leader, sheet)


def _locked_quarter(officers: dict[str, Officer], today: date) -> None:
    """The quarter before last month's: its months published and locked by the district, each officer's quarter
    rated and confirmed (the appraisal page's history). Month sheets of base points only: no daily records."""
    admin = officers["JA0001"]
    quarter = periods.shift("quarter", periods.quarter(today.replace(day=1) - timedelta(days=1)), -1)
    months = [periods.shift("month", quarter, n) for n in range(3)]
    for month in months:
        points.refresh_month(month)
    for sheet in session.scalars(select(MonthlyPoints).where(MonthlyPoints.month.in_(months))
                                 .order_by(MonthlyPoints.month, MonthlyPoints.officer_id)):
        points.publish(admin, points.review(admin, sheet))
        points.lock(admin, sheet)
    for evaluation in session.scalars(select(QuarterlyEvaluation).where(QuarterlyEvaluation.quarter == quarter)
                                      .order_by(QuarterlyEvaluation.officer_id)):
        appraisal.confirm_quarter(admin, evaluation, "excellent" if evaluation.officer_id == officers["JA1002"].id
                                  else "good")


# office index, category, description, what the squad has done with it, hours since it was submitted
COMPLAINTS = [
    (0, "street_vending", "华山路地铁站口有流动摊贩占道经营，早晚高峰尤其多", "new", 0.5),
    (0, "noise", "夜间施工噪声扰民，已持续三个晚上", "new", 5),
    (0, "road_obstruction", "愚园路 120 弄门口长期堆放建筑垃圾，影响通行", "accepted", 30),
    (0, "shop_overflow", "常德路一家水果店跨门营业，货架摆到人行道上", "assigned", 20),
    (0, "illegal_advertising", "延安中路人行天桥上张贴小广告", "in_progress", 130),
    (0, "waste_sorting", "小区垃圾箱房混投严重，无人值守", "resolved", 96),
    (0, "muck_dumping", "夜间有车辆在华山路空地偷倒渣土", "closed", 200),
    (0, "other", "咨询共享单车乱停放由哪个部门处理", "rejected", 10),
    (1, "street_vending", "南京西路步行街有人兜售仿冒商品", "new", 3),
    (1, "group_renting", "大田路一处民房疑似群租，进出人员多", "accepted", 40),
]


def _complaints(officers: dict[str, Officer], now: datetime) -> None:
    """Residents' complaints at both offices, handled as far as their line says, dated back as it says."""
    offices = list(session.scalars(select(CommunityOffice).order_by(CommunityOffice.id)))
    for office_index, category, description, reached, hours_ago in COMPLAINTS:
        office = offices[office_index]
        leader, handler = (officers["JA1001"], officers["JA1003"]) if office_index == 0 else (
            officers["JA2001"], officers["JA2002"])
        complaint, _ = complaints.submit_complaint(
            office_code=office.code, version=complaints.qr_version(office),
            signature=office_signature(office.code, complaints.qr_version(office)), category=category,
            description=description, place=office.residential_committee, lat=office.lat, lng=office.lng,
            coord_system="gcj02")
        _handle(complaint, reached, leader, handler)
        _date_back(complaint, timedelta(hours=hours_ago))


def _handle(complaint: Complaint, reached: str, leader: Officer, handler: Officer) -> None:
    if reached == "rejected":
        complaints.reject_complaint(leader, complaint.id, "不属于城管执法职责，已告知市民向交通部门反映")
        return
    if reached == "new":
        return
    complaints.accept_complaint(leader, complaint.id)
    if reached == "accepted":
        return
    complaints.assign_complaint(leader, complaint.id, handler.id)
    if reached == "assigned":
        return
    complaints.start_handling(handler, complaint.id)
    if reached == "in_progress":
        return
    complaints.resolve_complaint(handler, complaint.id, "已现场处置，小广告已清除，并加强巡查")
    if reached == "closed":
        complaints.close_complaint(leader, complaint.id)
        complaints.rate_complaint(complaint.tracking_code, score=5, comment="处理及时")


def _date_back(complaint: Complaint, age: timedelta) -> None:
    """The complaint and its timeline as if submitted `age` ago (the deadlines move with it)."""
    for column in ("submitted_at", "accept_due_at", "resolve_due_at", "accepted_at", "resolved_at", "closed_at"):
        if getattr(complaint, column) is not None:
            setattr(complaint, column, getattr(complaint, column) - age)
    for event in session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)):
        event.at -= age


# the city operations centre's order: its id, category code, description, place, GCJ-02 point, how far the squad
# has taken it, hours since it arrived
WORK_ORDERS = [
    ("CY2026000101", "A0101", "静安寺地铁站 1 号口流动摊贩占道经营（市民来电）", "南京西路 1686 号", 31.2242, 121.4462,
     "received", 1),
    ("CY2026000102", "A0203", "愚园路 68 号门前堆放装修垃圾，占用盲道", "愚园路 68 号", 31.2231, 121.4391,
     "assigned", 20),
    ("CY2026000103", "A0305", "常德路沿街店招破损，存在坠落隐患", "常德路 500 号", 31.2252, 121.4477, "accepted", 400),
]


def _work_orders(officers: dict[str, Officer], now: datetime) -> None:
    """The district's city operations centre as a source of the first squad's work orders (no callback address:
    a demo answers nobody), its orders handled as far as their line says and dated back."""
    source = order_sources.create_source(
        actor=officers["JA0001"], name="demo-cityops", title="区城运中心", kind="city_platform",
        key="demo-only-key-of-the-city-operations-centre", squad_id=officers["JA1001"].squad_id, callback_url=None,
        coord_system="gcj02", category_map={"A0101": "street_vending", "A0203": "road_obstruction",
                                            "A0305": "illegal_advertising"}, status_map={"待受理": "received"})
    for order_id, category, description, place, lat, lng, reached, hours_ago in WORK_ORDERS:
        order, _ = intake.take(source, {"order_id": order_id, "category": category, "status": "待受理",
                                        "description": description, "place": place, "lat": lat, "lng": lng}, now)
        if reached == "accepted":
            orders.accept(order, actor=officers["JA1001"])
        elif reached == "assigned":
            orders.assign(order, officers["JA1003"].id, actor=officers["JA1001"])
        age = timedelta(hours=hours_ago)
        for column in ("received_at", "accept_due_at", "resolve_due_at", "accepted_at"):
            if getattr(order, column) is not None:
                setattr(order, column, getattr(order, column) - age)
        for event in session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == order.id)):
            event.at -= age


QUESTIONS = [
    (QuestionKind.single, "城管执法人员在执法时应当出示什么？", ["执法证件", "工作牌", "身份证"], [0]),
    (QuestionKind.true_false, "对无序设摊可以当场没收摊主的全部物品，无需告知。", [], [1]),  # 错
    (QuestionKind.multiple, "下列属于城管执法常见问题类别的有：", ["无序设摊", "跨门营业", "偷税漏税"], [0, 1]),
]

# what three officers answered (original option indices, in QUESTIONS' order): one right throughout, two not
EXAM_ANSWERS = {"JA1002": [[0], [1], [0, 1]], "JA1003": [[0], [0], [0, 2]], "JA2002": [[1], [0], [0]]}


def _training(officers: dict[str, Officer], today: date) -> None:
    """A question bank to import into, two courses with this year's completions (one officer ahead, one behind)."""
    trainer = officers["JA0003"]
    question_bank = question_banks.create_bank(trainer, name="城管执法法律知识题库")
    for kind, stem, options, answer in QUESTIONS:
        question_banks.add_question(trainer, question_bank.id, kind=kind, stem=stem, options=options, answer=answer)
    online = training.create_course(trainer, title="行政处罚法解读（网络课程）", category="online",
                                    credit_hours=Decimal("30"), materials=[
                                        {"title": "课程录像（区局学习平台）", "url": "https://learn.example.gov.cn/v/1"}])
    classroom = training.create_course(trainer, title="执法文书规范（集中面授）", category="classroom",
                                       credit_hours=Decimal("12"))
    training.add_material_file(trainer, classroom.id, title="执法文书范本（讲义）", content_type="text/plain",
                               data="执法文书范本：现场检查笔录、询问笔录、责令改正通知书。\n".encode())
    training.create_plan(trainer, year=today.year, title="年度必修课程", course_ids=[online.id, classroom.id])
    training.record_completions(trainer, online.id, officer_ids=[officers[b].id for b in ("JA1002", "JA1003",
                                                                                          "JA2002")],
                                completed_on=today)
    training.record_completions(trainer, classroom.id, officer_ids=[officers["JA1002"].id], completed_on=today)


def _exam_and_live_class(officers: dict[str, Officer], now: datetime) -> None:
    """A paper of the bank's questions that three officers took (the item statistics), and a live class on now that
    three officers joined by its QR code, one of them has left."""
    trainer = officers["JA0003"]
    questions = session.scalars(select(Question).order_by(Question.id)).all()
    paper = exams.create_paper(trainer, title="城管执法法律知识测验", mode=PaperMode.fixed, time_limit_minutes=30,
                               max_attempts=1, pass_percent=60, category="online", credit_hours=Decimal("0"),
                               shuffle=False, questions=[{"question_id": q.id, "points": Decimal("10")}
                                                         for q in questions])
    for badge, picks in EXAM_ANSWERS.items():
        attempt = exams.start_attempt(officers[badge], paper.id)
        shown = {item.question_id: item for item in attempt.items}
        answers = [{"item_id": shown[q.id].id, "answer": pick} for q, pick in zip(questions, picks, strict=True)
                   if pick is not None]
        exams.submit(officers[badge], attempt.id, answers)
    # on now, begun 20 minutes ago but not before local midnight (it would be yesterday's class, not in today's list)
    starts_at = max(now - timedelta(minutes=20), datetime.combine(local_day(now), time(), tzinfo=LOCAL_TZ))
    live_class = live_classes.create_live_class(
        trainer, title="行政处罚法新修订要点（直播课堂）", classroom="区局三楼多功能厅",
        starts_at=starts_at, ends_at=now + timedelta(minutes=70), category="classroom",
        credit_hours=Decimal("2"), teacher_id=None)
    for badge in ("JA1002", "JA1003", "JA2002"):  # three scanned in (the head count, the attendance list)
        live_classes.join(officers[badge], live_class.id, live_classes.join_signature(live_class.id))
    live_classes.leave(officers["JA1003"], live_class.id)  # one has left: joined 3, present 2


def _supervision(officers: dict[str, Officer], now: datetime) -> None:
    """The supervisor's findings this week, a notice to rectify one, and cases imported from the case system
    (one registered long after it was found: a registration overdue)."""
    supervisor, today = officers["JA0002"], local_day(now)
    found = findings.record_finding(
        supervisor, type_code="uniform", severity=Severity.general, place="静安寺广场",
        officer_id=officers["JA1002"].id, found_at=now - timedelta(hours=3),
        description="执勤时着装不规范（未戴帽、未佩戴执法记录仪）", now=now)
    findings.record_finding(
        supervisor, type_code="recording", severity=Severity.serious, place="南京西路步行街",
        officer_id=officers["JA2002"].id, found_at=now - timedelta(hours=26),
        description="处置流动摊贩时执法记录仪未全程开启", now=now)
    findings.issue_notice(supervisor, kind=NoticeKind.inform, problem="执勤时着装不规范，执法记录仪未佩戴",
                          requirement="按《城管执法人员着装规范》整改，并组织中队学习",
                          rectify_by=today + timedelta(days=7), officer_id=officers["JA1002"].id,
                          finding_id=found.id, now=now)
    rows = [
        {"number": "沪静城管罚〔2026〕101号", "squad": "静安寺街道中队", "officer_badge_no": "JA1002",
         "discovered_on": (today - timedelta(days=40)).isoformat(), "registered_on": today.isoformat()},
        {"number": "沪静城管罚〔2026〕102号", "squad": "南京西路街道中队", "officer_badge_no": "JA2002",
         "discovered_on": (today - timedelta(days=3)).isoformat(), "registered_on": today.isoformat(),
         "closed_on": today.isoformat()},
    ]
    cases.import_cases(supervisor, list(enumerate(rows, start=2)), now=now)


def _notice_awaiting_review(officers: dict[str, Officer], now: datetime) -> None:
    """A supervisor's finding, the notice issued on it and the officer's answer, waiting for the review."""
    supervisor, officer = officers["JA0002"], officers["JA1003"]
    finding = findings.record_finding(
        supervisor, type_code=next(iter(findings.queries.finding_types())), severity=Severity.general,
        place="静安寺广场东侧", found_at=now - timedelta(days=3), description="巡查时未按规定佩戴执法记录仪",
        officer_id=officer.id, now=now - timedelta(days=3))
    notice = findings.issue_notice(
        supervisor, kind=NoticeKind.inform, finding_id=finding.id, officer_id=officer.id,
        problem="巡查时未按规定佩戴执法记录仪", requirement="立即整改，并组织中队学习执法记录仪使用规定",
        rectify_by=local_day(now) + timedelta(days=7), now=now - timedelta(days=3))
    findings.answer_notice(officer, notice.id, content="已补领执法记录仪，中队已组织学习", now=now - timedelta(days=1))


DEMO_SENDER = "vision"  # the video analysis hub (智能视觉中枢) the demo camera reports for


def _camera_photo(number: int) -> bytes:
    """A picture of the camera's view for the demo: a road, a truck, its shade set by `number` (new bytes each)."""
    image = Image.new("RGB", (320, 240), (150, 160, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 150, 320, 240), fill=(80, 80, 85))
    draw.rectangle((90, 100, 230, 170), fill=(200 - 20 * number, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _camera_alerts(officers: dict[str, Officer], now: datetime) -> None:
    """A camera at 静安寺 and this month's alerts from it (never before the month's first moment): one waiting, one
    dismissed as a false positive, three confirmed: a case 立案, one submitted for 法制审核, one 撤案 approved."""
    camera = nonsite.register_camera(
        officers["JA0001"], code="JA-CAM-0001", name="华山路延安西路口", sender=DEMO_SENDER,
        place="静安区华山路延安西路路口", lat=31.2215, lng=121.4440, kinds=["muck_uncovered", "muck_route"],
        squad_id=officers["JA1001"].squad_id)
    month_start = datetime.combine(local_day(now).replace(day=1), time(), LOCAL_TZ)
    alerts = []
    for number, (minutes, kind, plate) in enumerate([
            (200, "muck_uncovered", "沪D10001"), (170, "muck_route", "沪D10002"), (140, "muck_uncovered", "沪D10003"),
            (110, "muck_uncovered", "沪D10004"), (80, "muck_route", "沪D10005")], start=1):
        alert_id = f"demo-{number}"
        alert, _ = nonsite.take_alert(
            sender=DEMO_SENDER, body_sha256=hashlib.sha256(alert_id.encode()).hexdigest(), alert_id=alert_id,
            camera_code=camera.code, occurred_at=max(now - timedelta(minutes=minutes), month_start), kind=kind,
            confidence=0.9, images=[{"data": base64.b64encode(_camera_photo(number)).decode(),
                                     "content_type": "image/jpeg"}], plate=plate, now=now)
        alerts.append(alert)
    leader, reviewer = officers["JA1001"], officers["JA0004"]
    nonsite.triage(leader, alerts[1].id, decision=Decision.dismissed, reason="普通货车，非渣土车",
                   false_positive=FalsePositive.wrong_object)
    _, reviewed, withdrawn = (
        nonsite.triage(leader, alert.id, decision=Decision.confirmed, reason="车厢未密闭，撒漏明显").case
        for alert in alerts[2:])
    nonsite_legal.submit_for_review(leader, reviewed.id, facts="渣土车车厢未密闭行驶，沿途撒漏",
                                    legal_basis="《上海市市容环境卫生管理条例》第二十七条", fine=500)
    nonsite_ending.propose(leader, withdrawn.id, reason="经核查系同一车辆重复违法已另案处理")
    nonsite_ending.review(reviewer, withdrawn.id, approve=True, comment="同意撤案")
