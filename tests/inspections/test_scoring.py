"""The grade rules: known answers of the scoring, and the grade moved by real events about an object — failed and
clean inspections, residents' complaints and work orders nearby, non-site cases naming it, time without incident —
by the daily job and on recording a result, each change in the history with its reason."""
import uuid
from datetime import date, timedelta

import pytest

from backend.db import local_day, session, utcnow
from backend.inspections.grades import DISTRICT_RULE, EXAMPLE_DEFAULT
from backend.inspections.models import Grade, GradeChange, RegulatedObject
from backend.inspections.scoring import Scoring, assess, regrade, regrade_all
from backend.nonsite.models import NonsiteCase
from backend.orders.intake import seal_source_key
from backend.orders.models import OrderSource, SourceKind, WorkOrder
from backend.orders.models import Status as OrderStatus
from tests.authz.makers import nonsite_case_ids
from tests.inspections.test_registry import _object, world  # noqa: F401  (the fixture)

TERMS = {"failed_inspection": 3, "case": 3, "complaint": 1, "work_order": 1, "clean_inspection": -2,
         "raise_at": 3, "lower_at": -2, "window_days": 365, "quiet_days": 365, "radius_m": 30}
RULES = Scoring(TERMS, EXAMPLE_DEFAULT, None)
TODAY, SINCE = date(2027, 3, 31), date(2027, 1, 1)


@pytest.mark.parametrize("grade, counts, expected, reason", [
    (Grade.medium, {"failed_inspection": 1}, Grade.high,
     "按评级规则（示例默认）：2027-01-01 起检查不合格 1 次（+3 分），计 3 分，达到升级线 3 分"),
    (Grade.low, {"complaint": 2, "work_order": 1}, Grade.medium,
     "按评级规则（示例默认）：2027-01-01 起投诉 2 次（+2 分）、工单 1 次（+1 分），计 3 分，达到升级线 3 分"),
    (Grade.medium, {"complaint": 2}, Grade.medium, ""),
    (Grade.high, {"case": 2}, Grade.high, ""),  # already the highest
    (Grade.high, {"clean_inspection": 1}, Grade.medium,
     "按评级规则（示例默认）：2027-01-01 起检查合格 1 次（-2 分），计 -2 分，达到降级线 -2 分"),
    (Grade.medium, {"clean_inspection": 2, "complaint": 3}, Grade.medium, ""),  # -4 + 3 = -1
    (Grade.low, {"clean_inspection": 3}, Grade.low, ""),  # already the lowest
])
def test_known_answers(grade, counts, expected, reason):
    assert assess(grade, counts, RULES, since=SINCE, today=TODAY) == (expected, reason)


def test_time_without_incident_lowers_one_step():
    quiet = assess(Grade.high, {}, RULES, since=date(2026, 3, 31), today=TODAY)
    assert quiet == (Grade.medium, "按评级规则（示例默认）：2026-03-31 起连续 365 天无违法违规记录，降低一级")
    assert assess(Grade.high, {}, RULES, since=date(2026, 4, 1), today=TODAY) == (Grade.high, "")
    assert assess(Grade.high, {"complaint": 1}, RULES, since=date(2026, 3, 31), today=TODAY) == (Grade.high, "")
    versioned = Scoring({**TERMS, "quiet_days": 89}, DISTRICT_RULE, date(2027, 1, 1))
    assert assess(Grade.medium, {}, versioned, since=SINCE, today=TODAY)[1] == (
        "按评级规则（2027-01-01 版）：2027-01-01 起连续 89 天无违法违规记录，降低一级")


def _order_near(squad, lat, lng):
    source = OrderSource(district_id=squad.district_id, squad_id=squad.id, name=uuid.uuid4().hex[:12], title="城运中心",
                         kind=SourceKind.city_platform, key_encrypted=seal_source_key("k" * 40), coord_system="gcj02",
                         category_map={}, status_map={})
    now = utcnow()
    session.add(WorkOrder(source=source, source_order_id=uuid.uuid4().hex, body_sha256="0" * 64, squad_id=squad.id,
                          category="other", source_category="A", description="跨门营业", status=OrderStatus.received,
                          received_at=now, accept_due_at=now + timedelta(hours=2), lat=lat, lng=lng,
                          resolve_due_at=now + timedelta(days=1), deadlines_from_source=False))


def test_complaints_and_work_orders_nearby_raise_the_grade_by_the_daily_job(client, make, world):  # noqa: F811
    leader = make.headers(world["leader"])
    near = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    far = client.post("/api/inspections/objects", headers=leader, json=_object(
        world["squad"], name="小李水果", credit_code="9144030071526726XG", lat=31.2390, lng=121.4550)).json
    office = make.office(world["squad"])
    for _ in range(2):  # about 11 m from the noodle shop, over a kilometre from the fruit shop
        make.complaint(office, lat=31.2291, lng=121.4550)
    make.complaint(office, lat=31.2310, lng=121.4550)  # about 220 m away: about neither
    _order_near(world["squad"], 31.2290, 121.4551)
    session.commit()

    assert regrade_all() == {"changed": 1, "raised": 1}
    shown = client.get(f"/api/inspections/objects/{near['id']}/grades", headers=leader).json[-1]
    assert (shown["grade_from"], shown["grade_to"], shown["changed_by_id"]) == ("medium", "high", None)
    assert "投诉 2 次（+2 分）、工单 1 次（+1 分），计 3 分，达到升级线 3 分" in shown["reason"]
    assert client.get(f"/api/inspections/objects/{far['id']}", headers=leader).json["grade"] == "medium"
    assert regrade_all() == {"changed": 0, "raised": 0}  # the same events do not count twice


def test_a_district_version_of_the_rules_applies_from_its_day(client, make, world, app, monkeypatch):  # noqa: F811
    admin = make.headers(world["admin"])
    shown = client.get("/api/inspections/grade-scoring", headers=make.headers(world["officer"])).json
    assert (shown["terms"], shown["source"]) == (TERMS, "example_default")
    today = local_day()  # Shanghai's day: date.today() is UTC's, a day behind from 16:00 UTC
    body = {"terms": {**TERMS, "complaint": 5}, "effective_from": today.isoformat()}
    for bad, code in (({**TERMS, "lower_at": 3}, "bad_bounds"), ({**TERMS, "quiet_days": 400}, "bad_bounds")):
        refused = client.post("/api/inspections/grade-scoring", headers=admin, json={**body, "terms": bad})
        assert (refused.status_code, refused.json["error"]) == (422, code)
    huge = client.post("/api/inspections/grade-scoring", headers=admin,
                       json={**body, "terms": {**TERMS, "complaint": 2**70}})
    assert huge.status_code == 422
    assert client.post("/api/inspections/grade-scoring", headers=make.headers(world["leader"]),
                       json=body).status_code == 403
    added = client.post("/api/inspections/grade-scoring", headers=admin, json=body)
    assert added.status_code == 201, added.json
    assert (added.json["source"], added.json["terms"]["complaint"]) == ("district", 5)
    again = client.post("/api/inspections/grade-scoring", headers=admin, json=body)
    assert (again.status_code, again.json["error"]) == (409, "rule_exists")

    item = client.post("/api/inspections/objects", headers=admin, json=_object(world["squad"])).json
    make.complaint(make.office(world["squad"]), lat=31.2290, lng=121.4550)
    session.commit()
    [change] = regrade(world["district"].id)
    assert (change.object_id, change.grade_to) == (item["id"], Grade.high)
    assert change.reason.startswith(f"按评级规则（{today} 版）") and "投诉 1 次（+5 分）" in change.reason


def test_a_quiet_object_is_lowered_and_a_case_naming_it_counts(client, make, world):  # noqa: F811
    leader = make.headers(world["leader"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    stored = session.get(RegulatedObject, item["id"])
    for change in session.query(GradeChange).filter_by(object_id=stored.id):
        change.changed_at = utcnow() - timedelta(days=400)
    session.commit()
    [change] = regrade(world["district"].id)
    assert (change.grade_from, change.grade_to) == (Grade.medium, Grade.low)
    assert "连续 365 天无违法违规记录" in change.reason

    case = session.get(NonsiteCase, nonsite_case_ids(make, client, world["officer"])["case_id"])
    case.object_id = stored.id  # the case is about the object (found from its alert: tests/nonsite/test_shop_object)
    other = session.get(NonsiteCase, nonsite_case_ids(make, client, world["officer"])["case_id"])
    other.alert.shop = "老王面馆"  # a name alone, not linked to the object, does not count
    session.commit()
    [change] = regrade(world["district"].id)
    assert (change.grade_from, change.grade_to) == (Grade.low, Grade.medium)
    assert "立案 1 次（+3 分）" in change.reason
