"""Objects for the authorization matrix and the fuzzer: each maker takes (make, client, owner) and returns the
URL's ids for an object of `owner`'s (or None where that cannot exist, e.g. a roster line of a district admin)."""
from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from backend.community.models import ComplaintPhoto, Status
from backend.db import session, utcnow
from backend.duty.models import PositionArchive
from backend.nonsite import legal
from backend.nonsite.models import Alert, Camera, CaseState, Ending, NonsiteCase
from backend.org.models import Role
from backend.storage import get_storage
from tests import photos


def _squad_of(make, owner):
    return owner.squad or make.squad(owner.district)


def officer_ids(make, client, owner):
    return {"officer_id": owner.id}


def office_ids(make, client, owner):
    return {"office_id": make.office(_squad_of(make, owner)).id}


def complaint_ids(make, client, owner):
    complaint = make.complaint(make.office(_squad_of(make, owner)), assignee_id=owner.id)
    return {"complaint_id": complaint.id, "owner_id": owner.id}


def assigned_complaint_ids(make, client, owner):
    """A complaint of `owner`'s squad assigned to `owner`, so that on-site evidence may be added to it."""
    if owner.squad is None:
        return None
    complaint = make.complaint(make.office(owner.squad), assignee_id=owner.id, status=Status.assigned)
    return {"complaint_id": complaint.id}


def complaint_photo_ids(make, client, owner):
    """A resident's photo on a complaint at `owner`'s squad's office."""
    complaint = make.complaint(make.office(_squad_of(make, owner)), assignee_id=owner.id)
    data = photos.encode(photos.coffee())
    digest = hashlib.sha256(data).hexdigest()
    get_storage().put(f"community/{digest}.jpg", data, "image/jpeg")
    photo = ComplaintPhoto(complaint=complaint, storage_key=f"community/{digest}.jpg", sha256=digest,
                           mime="image/jpeg", width=400, height=400)
    session.add(photo)
    session.commit()
    return {"complaint_id": complaint.id, "photo_id": photo.id}


def evidence_form(ids) -> dict:
    """A multipart evidence upload: a real photo with its capture time and place."""
    return {"client_id": str(uuid.uuid4()), "captured_at": (utcnow() - timedelta(minutes=3)).isoformat(),
            "lat": "31.2304", "lng": "121.4737", "coord_system": "wgs84", "accuracy_m": "8", "place": "人民大道 200 号",
            "file": (io.BytesIO(photos.encode(photos.coffee())), "photo.jpg", "image/jpeg")}


def post_ids(make, client, owner):
    return {"post_id": make.post(_squad_of(make, owner)).id}


def _shift(make, owner):
    starts = utcnow() - timedelta(minutes=1)
    return make.shift(owner, starts, starts + timedelta(hours=8), post=make.post(owner.squad))


def shift_ids(make, client, owner):
    return {"shift_id": _shift(make, owner).id} if owner.squad else None


def check_ids(make, client, owner):
    if not owner.squad:
        return None
    shift = _shift(make, owner)
    response = client.post("/api/duty/check-ins", headers=make.headers(owner), json={
        "client_id": str(uuid.uuid4()), "shift_id": shift.id, "client_at": utcnow().isoformat(), "lat": 31.30,
        "lng": 121.4737, "coord_system": "gcj02", "accuracy_m": 10, "reason": "协助处置"})
    assert response.status_code == 201, response.json
    return {"check_id": response.json["id"]}


def evidence_ids(make, client, owner):
    response = client.post("/api/evidence", headers=make.headers(owner), data=evidence_form({}),
                           content_type="multipart/form-data")
    assert response.status_code in (200, 201), response.json
    return {"evidence_id": response.json["id"]}


def finding_ids(make, client, owner):
    supervisor = make.officer(Role.supervisor, district=owner.district)
    if owner.squad is None:
        return None
    return {"finding_id": make.finding(supervisor, owner).id}


def case_ids(make, client, owner):
    if owner.squad is None:
        return None
    return {"case_id": make.case_record(owner, discovered_on=date.today() - timedelta(days=3)).id}


def live_class_ids(make, client, owner):
    starts = utcnow() - timedelta(minutes=10)
    return {"live_class_id": make.live_class(owner, starts, starts + timedelta(hours=2)).id}


def live_class_with_question_ids(make, client, owner):
    starts = utcnow() - timedelta(minutes=10)
    live_class = make.live_class(owner, starts, starts + timedelta(hours=2))
    return {"live_class_id": live_class.id, "question_id": make.question(make.question_bank(owner)).id}


def _trainer_for(make, owner):
    return owner if owner.role == Role.trainer else make.officer(Role.trainer, district=owner.district)


def course_ids(make, client, owner):
    response = client.post("/api/training/courses", headers=make.headers(_trainer_for(make, owner)), json={
        "title": "文明执法", "category": "classroom", "credit_hours": 2})
    assert response.status_code == 201, response.json
    return {"course_id": response.json["id"], "owner_id": owner.id}


def teacher_ids(make, client, owner):
    response = client.post("/api/training/teachers", headers=make.headers(_trainer_for(make, owner)),
                           json={"name": "王教员", "title": "高级讲师"})
    assert response.status_code == 201, response.json
    return {"teacher_id": response.json["id"]}


def notice_ids(make, client, owner):
    if owner.squad is None:
        return None
    supervisor = make.officer(Role.supervisor, district=owner.district)
    response = client.post("/api/supervision/notices", headers=make.headers(supervisor), json={
        "kind": "inform", "officer_id": owner.id, "problem": "未亮证", "requirement": "立即整改",
        "rectify_by": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 201, response.json
    return {"notice_id": response.json["id"]}


def _paper(make, client, owner) -> int:
    trainer = _trainer_for(make, owner)
    question = make.question(make.question_bank(trainer))
    response = client.post("/api/training/papers", headers=make.headers(trainer), json={
        "title": "法律知识考试", "mode": "fixed", "time_limit_minutes": 30, "max_attempts": 2, "pass_percent": 60,
        "category": "online", "credit_hours": "1.0", "questions": [{"question_id": question.id, "points": "10"}]})
    assert response.status_code == 201, response.json
    return response.json["id"]


def paper_ids(make, client, owner):
    return {"paper_id": _paper(make, client, owner)}


def attempt_ids(make, client, owner):
    response = client.post(f"/api/training/papers/{_paper(make, client, owner)}/attempts", headers=make.headers(owner))
    return {"attempt_id": response.json["id"]} if response.status_code == 201 else None


def drill_ids(make, client, owner):
    response = client.post("/api/training/drills", headers=make.headers(_trainer_for(make, owner)), json={
        "title": "手势：敬礼", "kind": "gesture", "gesture_code": "salute", "category": "classroom",
        "credit_hours": "0.5", "pass_score": 80})
    assert response.status_code == 201, response.json
    return {"drill_id": response.json["id"]}


def gesture_ids(make, client, owner):
    """A reference gesture of the owner's district (its code unique: one district holds the matrix's four owners)."""
    response = client.post("/api/training/gestures", headers=make.headers(_trainer_for(make, owner)), json={
        "code": f"matrix_{uuid.uuid4().hex[:12]}", "name": "左转弯手势",
        "joints": {"right_elbow": {"angle": 90, "tolerance": 20}}})
    assert response.status_code == 201, response.json
    return {"gesture_id": response.json["id"]}


def quiz_ids(make, client, owner):
    trainer = _trainer_for(make, owner)
    ids = live_class_with_question_ids(make, client, trainer)
    response = client.post(f"/api/training/live-classes/{ids['live_class_id']}/quizzes", headers=make.headers(trainer),
                           json={"question_id": ids["question_id"], "seconds": 60})
    assert response.status_code == 201, response.json
    return {"quiz_id": response.json["id"]}


def bank_ids(make, client, owner):
    return {"bank_id": make.question_bank(owner).id}


def question_ids(make, client, owner):
    return {"question_id": make.question(make.question_bank(owner)).id}


def question_sheet_form(ids) -> dict:
    """A trainer's Excel file of one question, in the layout of backend/training/exams/bank.py."""
    from tests.training.xlsx import xlsx

    sheet = xlsx(
        [
            [
                "单选",
                f"执法时应当出示什么？{uuid.uuid4().hex[:6]}",
                "执法证件",
                "工作证",
                None,
                None,
                "A",
                2,
                "亮证",
                None,
            ]
        ]
    )
    return {
        "file": (io.BytesIO(sheet), "题库.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    }


def material_form(ids) -> dict:
    return {"title": "课件", "file": (io.BytesIO(b"%PDF-1.4 course slides"), "slides.pdf", "application/pdf")}


def material_ids(make, client, owner):
    ids = course_ids(make, client, owner)
    response = client.post(f"/api/training/courses/{ids['course_id']}/materials",
                           headers=make.headers(_trainer_for(make, owner)), data=material_form(ids),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return {"course_id": ids["course_id"], "material_id": response.json["id"]}


_GESTURE_PHOTO = photos.encode(photos.astronaut().resize((256, 256)))  # a real person, scored by MediaPipe


def gesture_photo_form(ids) -> dict:
    return {"photos": [(io.BytesIO(_GESTURE_PHOTO), "frame.jpg", "image/jpeg")]}


def drill_attempt_ids(make, client, owner):
    """A gesture drill attempt of `owner`'s: a real photo through MediaPipe (scored, or "retake" with its image)."""
    ids = drill_ids(make, client, owner)
    response = client.post(f"/api/training/drills/{ids['drill_id']}/photo-attempts", headers=make.headers(owner),
                           data=gesture_photo_form(ids), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert response.json["image_url"], response.json
    return {"attempt_id": response.json["id"]}


_points_years = itertools.count()


def _points_sheet(owner):
    """A month sheet of `owner`'s, each call in a year of its own (so no call sees another's writes), in the
    past (a quarter or year is confirmed only once it is over)."""
    from backend.supervision.points.models import MonthlyPoints
    from backend.supervision.points.operations import refresh_month

    month = date(1001 + next(_points_years), 1, 1)
    refresh_month(month, officer_ids=[owner.id])
    session.commit()
    return session.scalars(select(MonthlyPoints).where(MonthlyPoints.officer_id == owner.id,
                                                       MonthlyPoints.month == month)).one()


def _etag(client, make, owner, url: str) -> str:
    """The ETag the owner reads, for the If-Match of a write."""
    response = client.get(url, headers=make.headers(owner))
    assert response.status_code == 200, response.json
    return response.headers["ETag"]


def sheet_ids(make, client, owner):
    if owner.squad is None:
        return None
    sheet = _points_sheet(owner)
    return {"sheet_id": sheet.id, "if_match": _etag(client, make, owner, f"/api/points/monthly/{sheet.id}")}


def _quarterly(owner):
    """A quarter that may be confirmed: its one month locked."""
    from backend.supervision.points.appraisal import refresh_quarter
    from backend.supervision.points.models import QuarterlyEvaluation, SheetState

    sheet = _points_sheet(owner)
    sheet.state = SheetState.locked
    session.flush()
    quarter = sheet.month
    refresh_quarter(quarter)
    session.commit()
    return session.scalars(select(QuarterlyEvaluation).where(QuarterlyEvaluation.officer_id == owner.id,
                                                             QuarterlyEvaluation.quarter == quarter)).one()


def quarterly_ids(make, client, owner):
    if owner.squad is None:
        return None
    evaluation = _quarterly(owner)
    return {"evaluation_id": evaluation.id,
            "if_match": _etag(client, make, owner, f"/api/points/quarterly/{evaluation.id}")}


def yearly_ids(make, client, owner):
    from backend.supervision.points.appraisal import refresh_year
    from backend.supervision.points.models import AppraisalState, YearlyAppraisal

    if owner.squad is None:
        return None
    evaluation = _quarterly(owner)
    evaluation.state = AppraisalState.confirmed  # a year that may be confirmed: its one quarter confirmed
    session.flush()
    year = evaluation.quarter
    refresh_year(year.year)
    session.commit()
    appraisal_id = session.scalars(select(YearlyAppraisal.id).where(
        YearlyAppraisal.officer_id == owner.id, YearlyAppraisal.year == year.year)).one()
    return {"appraisal_id": appraisal_id,
            "if_match": _etag(client, make, owner, f"/api/points/yearly/{appraisal_id}")}


def squad_ids(make, client, owner):
    return {"squad_id": owner.squad.id} if owner.squad else None


def position_archive_ids(make, client, owner):
    """A month's archived patrol positions (the city's, no one's own): the same whoever `owner` is."""
    data = gzip.compress(b"id,officer_id\n1,%d\n" % owner.id)
    key = f"duty/position-archives/2029-11/part-{uuid.uuid4().hex}.csv.gz"
    get_storage().put(key, data, "application/gzip")
    archive = PositionArchive(month=date(2029, 11, 1), part=1, storage_key=key, rows=1, bytes=len(data),
                              sha256=hashlib.sha256(data).hexdigest())
    session.add(archive)
    session.commit()
    return {"archive_id": archive.id}


def district_ids(make, client, owner):
    """`owner`'s district (district A has its administrator among the callers, district B none)."""
    return {"district_id": owner.district_id}


def town_ids(make, client, owner):
    """The 街镇 `owner`'s squad works under (a new one of their district, where it has none)."""
    squad = _squad_of(make, owner)
    return {"town_id": (squad.town or make.town(squad.district, squad)).id}


def outbox_message_ids(make, client, owner):
    """A text card to `owner` that government WeChat kept refusing: dead, in `owner`'s district."""
    from backend.outbox import DEAD, enqueue

    [message] = enqueue("wechat.text_card", district_id=owner.district_id, recipients=[f"matrix-{owner.id}"],
                        title="积分已公布", payload={"title": "积分已公布", "description": "d", "url": "https://a.cn/",
                                                     "btntxt": "详情"})
    message.state, message.failures = DEAD, 11
    session.commit()
    return {"message_id": message.id}


def work_order_ids(make, client, owner):
    """An order of the city platform to `owner`'s squad, assigned to `owner`."""
    from backend.orders.intake import seal_source_key
    from backend.orders.models import OrderSource, SourceKind, WorkOrder
    from backend.orders.models import Status as OrderStatus

    squad = _squad_of(make, owner)
    source = OrderSource(district_id=squad.district_id, squad_id=squad.id, name=f"m{uuid.uuid4().hex[:12]}",
                         title="区城运中心", kind=SourceKind.city_platform, key_encrypted=seal_source_key("k" * 40),
                         coord_system="gcj02", category_map={"A": "other"}, status_map={"待受理": "received"})
    now = utcnow()
    order = WorkOrder(source=source, source_order_id=uuid.uuid4().hex, body_sha256="0" * 64, squad_id=squad.id,
                      category="other", source_category="A", description="外部工单", status=OrderStatus.received,
                      assignee_id=owner.id, received_at=now, accept_due_at=now + timedelta(hours=2),
                      resolve_due_at=now + timedelta(days=1), deadlines_from_source=False)
    session.add(order)
    session.flush()
    return {"order_id": order.id}


def repeat_ids(make, client, owner):
    """A repeat flagged in `owner`'s squad: an order repeating an earlier one, its 督办 open."""
    from backend.orders.models import WorkOrder
    from backend.orders.repeat_links import RepeatLink

    earlier, later = (session.get(WorkOrder, work_order_ids(make, client, owner)["order_id"]) for _ in range(2))
    link = RepeatLink(squad_id=later.squad_id, category=later.category, earlier_order_id=earlier.id,
                      later_order_id=later.id, distance_m=10.0, later_at=later.received_at)
    session.add(link)
    session.flush()
    return {"repeat_id": link.id}


def assigned_work_order_ids(make, client, owner):
    """An order of `owner`'s squad that `owner` is handling, so that on-site evidence may be added to it."""
    if owner.squad is None:
        return None
    from backend.orders.models import Status as OrderStatus
    from backend.orders.models import WorkOrder

    order = session.get(WorkOrder, work_order_ids(make, client, owner)["order_id"])
    order.status = OrderStatus.assigned
    session.flush()
    return {"order_id": order.id}


def alert_ids(make, client, owner):
    """A camera alert of `owner`'s squad (a camera of the squad's, with its system account)."""
    if owner.squad is None:
        return None
    code = f"M{uuid.uuid4().hex[:10]}"
    system = make.officer(squad=owner.squad, badge_no=f"CAM-{code}", active=False)
    camera = Camera(code=code, name="矩阵", sender="vision", place="某路", lat=31.2, lng=121.4,
                    kinds=["muck_uncovered"], squad_id=owner.squad_id, officer_id=system.id)
    now = utcnow()
    alert = Alert(sender="vision", alert_id=code, body_sha256="0" * 64, camera=camera, squad_id=owner.squad_id,
                  kind="muck_uncovered", occurred_at=now, last_seen_at=now, place="某路", confidence=0.9,
                  plate="沪A12345")
    session.add(alert)
    session.commit()
    return {"alert_id": alert.id}


def nonsite_case_ids(make, client, owner, state: CaseState = CaseState.registered):
    """A non-site case of `owner`'s squad, opened from a confirmed alert, standing at `state`."""
    ids = alert_ids(make, client, owner)
    if ids is None:
        return None
    alert = session.get(Alert, ids["alert_id"])
    now = utcnow()
    case = NonsiteCase(alert=alert, squad_id=alert.squad_id, state=state, opened_by=owner.id, opened_at=now,
                       registered_at=now, submitted_by=owner.id, facts="渣土车未密闭", legal_basis="条例", fine=2000)
    session.add(case)
    session.commit()
    return {"case_id": case.id}


def nonsite_document_ids(make, client, owner):
    """A notice issued for a non-site case of `owner`'s squad (through the domain, so it has its PDF)."""
    ids = nonsite_case_ids(make, client, owner, CaseState.in_review)
    if ids is None:
        return None
    reviewer = make.officer(Role.legal_reviewer, district=owner.district)
    case = legal.review(reviewer, ids["case_id"], approve=True, comment="同意")
    session.commit()
    return {"document_id": case.documents[0].id}


def nonsite_case_ending_ids(make, client, owner):
    """A 撤案 of a non-site case of `owner`'s squad, proposed by `owner`, waiting for a legal reviewer."""
    ids = nonsite_case_ids(make, client, owner, CaseState.ending)
    if ids is not None:
        case = session.get(NonsiteCase, ids["case_id"])
        case.ending, case.ending_reason, case.ending_proposed_by = Ending.withdrawn, "车辆系执行应急任务", owner.id
        case.ending_proposed_at = utcnow()
        session.commit()
    return ids


def nonsite_closed_case_ids(make, client, owner):
    return nonsite_case_ids(make, client, owner, CaseState.closed)


def nonsite_noticed_case_ids(make, client, owner):
    return nonsite_case_ids(make, client, owner, CaseState.statement)


def nonsite_decided_case_ids(make, client, owner):
    return nonsite_case_ids(make, client, owner, CaseState.served)


def nonsite_case_in_review_ids(make, client, owner):
    return nonsite_case_ids(make, client, owner, CaseState.in_review)


def inspection_object_ids(make, client, owner):
    """A regulated object in `owner`'s squad (a squad of their district for district staff), with a fresh code."""
    from backend.inspections.credit_code import check_character
    from backend.inspections.models import Grade, ObjectKind, RegulatedObject

    squad = _squad_of(make, owner)
    kind = ObjectKind(district_id=squad.district_id, code=f"k{uuid.uuid4().hex[:8]}", name="沿街商户")
    first17 = f"913101{uuid.uuid4().int % 10**11:011d}"
    item = RegulatedObject(
        district_id=squad.district_id,
        kind=kind,
        name="老王面馆",
        address="南京西路 1 号",
        credit_code=first17 + check_character(first17),
        squad_id=squad.id,
        licence_numbers=[],
        grade=Grade.medium,
    )
    session.add(item)
    session.commit()
    return {"object_id": item.id, "squad_id": squad.id, "kind": kind.code, "credit_code": item.credit_code}


def _inspection_plan(owner):
    from backend.inspections.models import Plan

    plan = Plan(district_id=owner.district_id, name="季度检查", first_month=date(2027, 1, 1), months=3, kind_ids=[],
                squad_ids=[], grades=[], created_by_id=owner.id)
    session.add(plan)
    return plan


def inspection_plan_ids(make, client, owner):
    plan = _inspection_plan(owner)
    session.commit()
    return {"plan_id": plan.id}


def inspection_draw_ids(make, client, owner, object_owner=None):
    """A draw of a plan of `owner`'s district, with one inspection of an object of `owner`'s squad (or of a squad
    of their district; `object_owner`'s where given) that `owner` and a colleague were drawn for."""
    from backend.inspections.models import Draw, Inspection, InspectionStatus

    ids = inspection_object_ids(make, client, object_owner or owner)
    plan = _inspection_plan(owner)
    draw = Draw(district_id=owner.district_id, plan=plan, seed="0" * 32, drawn_by_id=owner.id,
                inputs={"months": 3, "interval_months": {}, "objects": [], "inspectors": [], "exclusions": []})
    inspection = Inspection(draw=draw, object_id=ids["object_id"], squad_id=ids["squad_id"],
                            inspector_ids=[owner.id, make.officer(district=owner.district).id],
                            status=InspectionStatus.due, due_on=date(2027, 3, 31))
    session.add_all([draw, inspection])
    session.commit()
    return {"draw_id": draw.id, "inspection_id": inspection.id}


def inspection_photo_ids(make, client, owner, object_owner=None):
    """A photo of a failed item of such an inspection, taken by `owner` (evidence of the inspection)."""
    from backend.db import utcnow
    from backend.evidence.models import Subject
    from backend.evidence.operations import submit_evidence
    from backend.inspections.models import InspectionPhoto

    ids = inspection_draw_ids(make, client, owner, object_owner)
    evidence, _ = submit_evidence(owner, client_id=f"inspection-{ids['inspection_id']}-maker",
                                  data=photos.encode(photos.coffee()), content_type="image/jpeg",
                                  captured_at=utcnow(), lat=31.23, lng=121.47, subject_type=Subject.inspection,
                                  subject_ref=str(ids["inspection_id"]))
    photo = InspectionPhoto(inspection_id=ids["inspection_id"], item="占道经营", evidence=evidence,
                            taken_by_id=owner.id)
    session.add(photo)
    session.commit()
    return {"inspection_id": ids["inspection_id"], "photo_id": photo.id, "evidence_id": photo.evidence_id}


def inspection_photo_evidence_ids(make, client, owner):
    """The evidence record of a photo `owner` took when drawn to inspect an object of another squad of the
    district (双随机: inspectors are drawn across squads), so that the inspector's squad is not the object's."""
    return inspection_photo_ids(make, client, owner, make.officer(squad=make.squad(owner.district)))


def credit_penalty_ids(make, client, owner):
    """A credit penalty on an object of `owner`'s squad (or of a squad of their district)."""
    from backend.inspections.models import CreditPenalty

    ids = inspection_object_ids(make, client, owner)
    penalty = CreditPenalty(object_id=ids["object_id"], squad_id=ids["squad_id"], reason="失信",
                            decided_on=date(2026, 1, 5), recorded_by_id=owner.id)
    session.add(penalty)
    session.commit()
    return {"penalty_id": penalty.id, "squad_id": ids["squad_id"]}


def credit_repair_ids(make, client, owner):
    """A pending credit repair of such a penalty, applied for by a squad leader of the object's squad."""
    from backend.inspections.models import CreditRepair
    from backend.org.models import Squad

    ids = credit_penalty_ids(make, client, owner)
    applicant = make.officer(Role.squad_leader, squad=session.get(Squad, ids["squad_id"]))
    repair = CreditRepair(penalty_id=ids["penalty_id"], squad_id=ids["squad_id"], reason="已整改",
                          applied_by_id=applicant.id)
    session.add(repair)
    session.commit()
    return {"repair_id": repair.id}


def inspection_photo_form(ids) -> dict:
    """A real photo of a checklist item, taken on site (with the phone's position: it is evidence)."""
    return {"item": "占道经营", "photo": (io.BytesIO(photos.encode(photos.coffee())), "item.jpg", "image/jpeg"),
            "lat": "31.2297", "lng": "121.4553", "client_id": str(uuid.uuid4())}
