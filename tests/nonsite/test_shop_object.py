"""A shop alert finds its business in the inspections' registry of regulated objects: by the credit code it
carries, else by a unique shop sign, else the nearest 沿街商户 within NONSITE_SHOP_RADIUS_M of the camera. The
case is then about that object: its documents name the business, the grade rules count it, and the object
cannot be deleted while it has cases."""
import uuid

from sqlalchemy import func, select

from backend.db import session
from backend.inspections.credit_code import check_character
from backend.inspections.models import Grade, ObjectKind, RegulatedObject
from backend.nonsite.models import Alert
from tests.nonsite.platform import alert, camera, send, stored, to_notice, triage_to_case

CAMERA_LAT, CAMERA_LNG = 31.27, 121.45  # where platform.camera puts it
METRE = 1 / 111_000  # degrees of latitude


def _code() -> str:
    first17 = f"913101{uuid.uuid4().int % 10**11:011d}"
    return first17 + check_character(first17)


def _shop(squad, name: str, *, metres_north: float | None = None, kind: str = "street_shop") -> RegulatedObject:
    found = session.scalars(select(ObjectKind).where(ObjectKind.district_id == squad.district_id,
                                                     ObjectKind.code == kind)).first()
    found = found or ObjectKind(district_id=squad.district_id, code=kind,
                                name="沿街商户" if kind == "street_shop" else "建筑工地")
    placed = metres_north is not None
    item = RegulatedObject(district_id=squad.district_id, kind=found, name=name, address="共和新路 1 号",
                           credit_code=_code(), squad_id=squad.id, licence_numbers=[], grade=Grade.medium,
                           lat=CAMERA_LAT + metres_north * METRE if placed else None,
                           lng=CAMERA_LNG if placed else None)
    session.add(item)
    session.commit()
    return item


def _case(client, make, squad, leader, **shop_fields) -> dict:
    cam = camera(client, make, squad, kinds=("out_of_store",))
    sent = send(client, alert(cam["code"], kind="out_of_store", plate=None, **shop_fields))
    assert sent.status_code == 201, sent.json
    case_id = triage_to_case(client, make, leader, sent.json)
    return client.get(f"/api/nonsite/cases/{case_id}", headers=make.headers(leader)).json


def test_the_credit_code_decides_when_the_alert_carries_one(client, make, squad, leader, reviewer):
    named, coded = _shop(squad, "老王水果店", metres_north=20), _shop(squad, "隔壁便利店", metres_north=400)
    case = _case(client, make, squad, leader, shop="老王水果店", shop_credit_code=coded.credit_code)
    assert (case["object_id"], case["object_name"], case["object_match"]) == (coded.id, "隔壁便利店", "credit_code")
    # a code the registry does not hold is not second-guessed by the name or the distance
    unknown = _case(client, make, squad, leader, shop="老王水果店", shop_credit_code=_code())
    assert (unknown["object_id"], unknown["object_match"]) == (None, None)
    assert named.id != coded.id

    notice = to_notice(client, make, leader, reviewer, case["id"])["documents"][0]
    assert notice["content"]["party"] == {"name": "隔壁便利店", "credit_code": coded.credit_code, "plate": None}


def test_a_wrong_credit_code_is_refused_and_nothing_stored(client, make, squad):
    cam = camera(client, make, squad, kinds=("out_of_store",))
    before = stored()
    for code, error in (("91310106MA1FY2XX3", "validation_error"), ("9131010OMA1FY2XX3K", "bad_credit_code")):
        refused = send(client, alert(cam["code"], kind="out_of_store", plate=None, shop_credit_code=code))
        assert refused.status_code == 422, refused.json
        assert refused.json["error"] == error and "统一社会信用代码" in str(refused.json)
    assert stored() == before


def test_a_unique_name_else_the_nearest_street_shop_within_the_radius(client, make, squad, leader, app,
                                                                      monkeypatch):
    unique = _shop(squad, "阿明面馆")
    by_name = _case(client, make, squad, leader, shop="阿明面馆")
    assert (by_name["object_id"], by_name["object_match"]) == (unique.id, "name")

    twins = [_shop(squad, "全家便利店", metres_north=metres) for metres in (400, 500)]
    site = _shop(squad, "某工地", metres_north=10, kind="site")  # nearer, but not a 沿街商户
    near, nearer = _shop(squad, "张记", metres_north=120), _shop(squad, "李记", metres_north=-60)
    by_place = _case(client, make, squad, leader, shop="全家便利店")  # two of that name: by the camera's place
    assert (by_place["object_id"], by_place["object_match"]) == (nearer.id, "nearest")
    assert by_place["object_id"] not in {twin.id for twin in twins} | {site.id, near.id}

    monkeypatch.setitem(app.config, "NONSITE_SHOP_RADIUS_M", 50)
    too_far = _case(client, make, squad, leader, shop="无名小店")
    assert (too_far["object_id"], too_far["object_match"]) == (None, None)
    truck_cam = camera(client, make, squad)
    truck = send(client, alert(truck_cam["code"], plate="沪A12345")).json
    assert client.get(f"/api/nonsite/cases/{triage_to_case(client, make, leader, truck)}",
                      headers=make.headers(leader)).json["object_id"] is None  # no shop alert


def test_an_object_with_non_site_cases_cannot_be_deleted(client, make, squad, leader):
    item, free = _shop(squad, "老王水果店", metres_north=10), _shop(squad, "空铺", metres_north=900)
    case = _case(client, make, squad, leader, shop_credit_code=item.credit_code)
    assert case["object_id"] == item.id
    refused = client.delete(f"/api/inspections/objects/{item.id}", headers=make.headers(leader))
    assert (refused.status_code, refused.json["error"]) == (409, "object_has_cases")
    assert "非现场执法案件" in refused.json["message"]
    session.expire_all()
    assert session.get(RegulatedObject, item.id) is not None
    assert client.delete(f"/api/inspections/objects/{free.id}", headers=make.headers(leader)).status_code == 204
    carrying = select(func.count()).select_from(Alert).where(Alert.shop_credit_code == item.credit_code)
    assert session.scalar(carrying) == 1
