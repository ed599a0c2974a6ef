"""Credit standing: a credit penalty raises the risk grade, credit repair is applied for and approved by someone
else, and each step is in the grade history with its reason."""
from sqlalchemy import func, select

from backend.db import local_day, session
from backend.inspections.models import CreditRepair
from backend.org.models import Role
from tests.inspections.test_registry import _object, world  # noqa: F401  (the fixture)


def _grades(client, headers, object_id):
    return [(h["grade_from"], h["grade_to"], h["reason"])
            for h in client.get(f"/api/inspections/objects/{object_id}/grades", headers=headers).json]


def test_penalty_raises_the_grade_and_approved_repair_lowers_it(client, make, world):  # noqa: F811
    leader, admin = make.headers(world["leader"]), make.headers(world["admin"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    penalty = client.post(f"/api/inspections/objects/{item['id']}/credit-penalties", headers=leader,
                          json={"reason": "拒不履行行政处罚决定", "decided_on": local_day().isoformat()})
    assert penalty.status_code == 201, penalty.json
    assert penalty.json["raised_to"] == "high"
    assert client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["grade"] == "high"

    applied = client.post(f"/api/inspections/credit-penalties/{penalty.json['id']}/repairs", headers=admin,
                          json={"reason": "已缴清罚款并提交信用承诺书"})
    assert applied.status_code == 201, applied.json
    assert applied.json["status"] == "pending"
    twice = client.post(f"/api/inspections/credit-penalties/{penalty.json['id']}/repairs", headers=leader,
                        json={"reason": "再次申请"})
    assert (twice.status_code, twice.json["error"]) == (409, "repair_pending")
    decision = f"/api/inspections/credit-repairs/{applied.json['id']}/decision"
    own = client.post(decision, headers=admin, json={"approve": True})
    assert (own.status_code, own.json["error"]) == (403, "own_application")
    assert client.post(decision, headers=leader, json={"approve": True}).status_code == 403
    other_admin = make.headers(make.officer(Role.district_admin, district=world["district"], name="赵敏"))
    approved = client.post(decision, headers=other_admin, json={"approve": True, "note": "材料齐全"})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved"
    again = client.post(decision, headers=other_admin, json={"approve": False, "note": "重复"})
    assert (again.status_code, again.json["error"]) == (409, "already_decided")
    after = client.post(f"/api/inspections/credit-penalties/{penalty.json['id']}/repairs", headers=leader,
                        json={"reason": "再次申请"})
    assert (after.status_code, after.json["error"]) == (409, "already_repaired")

    assert client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["grade"] == "medium"
    assert _grades(client, leader, item["id"]) == [
        (None, "medium", "登记时的初始等级"),
        ("medium", "high", "信用惩戒：拒不履行行政处罚决定"),
        ("high", "medium", "信用修复（赵敏批准）：已缴清罚款并提交信用承诺书"),
    ]
    listed = client.get(f"/api/inspections/objects/{item['id']}/credit-penalties", headers=leader).json
    assert listed[0]["repaired_at"] is not None and listed[0]["repairs"][0]["decided_by_id"] is not None


def test_rejection_needs_a_reason_and_a_penalty_on_a_high_risk_object_keeps_its_grade(client, make, world):  # noqa: F811
    leader, admin = make.headers(world["leader"]), make.headers(world["admin"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    client.post(f"/api/inspections/objects/{item['id']}/grades", headers=leader,
                json={"grade": "high", "reason": "评定"})
    penalty = client.post(f"/api/inspections/objects/{item['id']}/credit-penalties", headers=leader,
                          json={"reason": "虚假承诺", "decided_on": local_day().isoformat()}).json
    assert penalty["raised_to"] is None
    repair = client.post(f"/api/inspections/credit-penalties/{penalty['id']}/repairs", headers=leader,
                         json={"reason": "已整改"}).json
    decision = f"/api/inspections/credit-repairs/{repair['id']}/decision"
    bare = client.post(decision, headers=admin, json={"approve": False, "note": "  "})
    assert (bare.status_code, bare.json["error"]) == (422, "reason_required")
    assert client.post(decision, headers=admin, json={"approve": True}).status_code == 200
    history = _grades(client, leader, item["id"])
    assert history[-2:] == [("high", "high", "信用惩戒：虚假承诺（已为高风险，等级不变）"),
                            ("high", "high", f"信用修复（{world['admin'].name}批准）：已整改"
                                             "（该惩戒未提高等级或等级已另行调整，等级不变）")]


def test_bad_penalty_input_is_refused_and_stores_nothing(client, make, world):  # noqa: F811
    leader = make.headers(world["leader"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    url = f"/api/inspections/objects/{item['id']}/credit-penalties"
    for body, status in (({"reason": "x", "decided_on": "2100-01-01"}, 422),
                         ({"reason": "x", "decided_on": "9999-12-31"}, 422),
                         ({"reason": " ", "decided_on": "2026-01-01"}, 422)):
        assert client.post(url, headers=leader, json=body).status_code == status, body
    surrogate = client.post(url, headers={**leader, "Content-Type": "application/json"},
                            data='{"reason": "\\ud800", "decided_on": "2026-01-01"}')
    assert surrogate.status_code == 400 and surrogate.json["error"]
    assert client.post(url, headers=make.headers(world["officer"]),
                       json={"reason": "x", "decided_on": "2026-01-01"}).status_code == 403
    assert client.post("/api/inspections/credit-penalties/99999999999999999999/repairs", headers=leader,
                       json={"reason": "x"}).status_code == 404
    assert client.get(url, headers=leader).json == []
    assert session.scalar(select(func.count()).select_from(CreditRepair)) == 0
    assert client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["grade"] == "medium"
