"""The registry of regulated objects: kinds, credit codes with their check digit, contacts kept encrypted,
data scope, and import from CSV or Excel (the whole file or nothing, dedup by credit code)."""
import io

import pytest
from sqlalchemy import func, select

from backend.db import session
from backend.inspections import registry
from backend.inspections.credit_code import check_character
from backend.inspections.models import GradeChange, RegulatedObject
from backend.org.models import Role
from tests.training.xlsx import xlsx

# Real-shaped codes (GB 32100-2015) with a right check character, and the same with the last one wrong.
ALIBABA, TENCENT, SHANGHAI = "91330100716105852F", "9144030071526726XG", "91310000607216596U"
HEADER = ["类型", "名称", "统一社会信用代码", "许可证号", "地址", "纬度", "经度", "联系人", "联系电话", "中队", "网格"]


@pytest.fixture
def world(make, client):
    district = make.district(name="静安区")
    squad, other = make.squad(district, name="南京西路中队"), make.squad(district, name="静安寺中队")
    admin = make.officer(Role.district_admin, district=district)
    people = dict(district=district, squad=squad, other=other, admin=admin,
                  leader=make.officer(Role.squad_leader, squad=squad), officer=make.officer(squad=squad),
                  other_leader=make.officer(Role.squad_leader, squad=other),
                  trainer=make.officer(Role.trainer, district=district))
    for code, name in (("street_shop", "沿街商户"), ("construction_site", "建筑工地")):
        assert client.post("/api/inspections/kinds", headers=make.headers(admin),
                           json={"code": code, "name": name}).status_code == 201
    return people


def _object(squad, **overrides):
    body = dict(kind="street_shop", name="老王面馆", credit_code=ALIBABA, licence_numbers=["JY13101060012345"],
                address="南京西路 1 号", lat=31.2290, lng=121.4550, contact_name="王建国",
                contact_phone="138-1234-5678", squad_id=squad.id, grid_cell="JA-03-12")
    return {**body, **overrides}


def _valid_code(n: int) -> str:
    first17 = f"91310106MA1{n:06d}"
    return first17 + check_character(first17)


def _count():
    return session.scalar(select(func.count()).select_from(RegulatedObject))


def test_object_registered_with_contact_encrypted_and_shown_by_need(client, make, world):
    created = client.post("/api/inspections/objects", headers=make.headers(world["leader"]),
                          json=_object(world["squad"]))
    assert created.status_code == 201, created.json
    assert created.json["contact"] == {"name": "王建国", "phone": "13812345678"}
    assert created.json["contact_masked"] == "王** 138****5678"
    stored = session.get(RegulatedObject, created.json["id"])
    assert b"13812345678" not in stored.contact_encrypted and "王建国".encode() not in stored.contact_encrypted

    seen_by_trainer = client.get(f"/api/inspections/objects/{stored.id}", headers=make.headers(world["trainer"]))
    assert seen_by_trainer.status_code == 200
    assert (seen_by_trainer.json["contact"], seen_by_trainer.json["contact_masked"]) == (None, "王** 138****5678")
    assert client.get(f"/api/inspections/objects/{stored.id}",
                      headers=make.headers(world["other_leader"])).status_code == 404
    listed = client.get("/api/inspections/objects", headers=make.headers(world["officer"]), query_string={"q": "面馆"})
    assert [o["credit_code"] for o in listed.json] == [ALIBABA]
    assert client.get("/api/inspections/objects", headers=make.headers(world["other_leader"])).json == []

    moved = client.put(f"/api/inspections/objects/{stored.id}", headers=make.headers(world["admin"]),
                       json=_object(world["other"], name="老王面馆（新店）", contact_phone="021-62881234"))
    assert moved.status_code == 200, moved.json
    assert (moved.json["squad_name"], moved.json["contact"]["phone"]) == ("静安寺中队", "021-62881234")
    assert client.delete(f"/api/inspections/objects/{stored.id}",
                         headers=make.headers(world["leader"])).status_code == 404
    assert client.delete(f"/api/inspections/objects/{stored.id}",
                         headers=make.headers(world["other_leader"])).status_code == 204
    assert _count() == 0


@pytest.mark.parametrize("code, error", [
    ("91330100716105852A", "credit_code_check_digit"),  # the last character wrong
    ("91330100716105825F", "credit_code_check_digit"),  # two characters swapped
    ("9133010071610585", "bad_credit_code"),  # too short
    ("91330100716I05852F", "bad_credit_code"),  # I is not used
])
def test_credit_code_with_a_wrong_check_digit_is_refused(client, make, world, code, error):
    response = client.post("/api/inspections/objects", headers=make.headers(world["leader"]),
                           json=_object(world["squad"], credit_code=code))
    assert response.status_code == 422
    assert response.json["error"] == error
    assert "统一社会信用代码" in response.json["message"]
    assert _count() == 0


def test_same_credit_code_twice_and_another_squad_are_refused(client, make, world):
    headers = make.headers(world["leader"])
    assert client.post("/api/inspections/objects", headers=headers, json=_object(world["squad"])).status_code == 201
    again = client.post("/api/inspections/objects", headers=headers,
                        json=_object(world["squad"], credit_code=" 9133 0100 7161 0585 2f "))
    assert (again.status_code, again.json["error"]) == (409, "credit_code_exists")
    elsewhere = client.post("/api/inspections/objects", headers=headers,
                            json=_object(world["other"], credit_code=TENCENT))
    assert (elsewhere.status_code, elsewhere.json["error"]) == (422, "unknown_squad")
    officer = client.post("/api/inspections/objects", headers=make.headers(world["officer"]),
                          json=_object(world["squad"], credit_code=TENCENT))
    assert officer.status_code == 403
    assert _count() == 1


def _import(client, headers, data, name="名录.csv"):
    return client.post("/api/inspections/objects/import", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _csv(rows, header=HEADER, encoding="utf-8"):
    return "\n".join(",".join(str(cell) for cell in row) for row in [header, *rows]).encode(encoding)


def test_import_reports_every_bad_row_and_stores_nothing(client, make, world):
    rows = [
        ["沿街商户", "老王面馆", ALIBABA, "", "南京西路 1 号", "", "", "", "", "南京西路中队", ""],
        ["沿街商户", "小李水果", "91330100716105852A", "", "南京西路 2 号", "", "", "", "", "南京西路中队", ""],
        ["游乐场", "欢乐谷", TENCENT, "", "南京西路 3 号", "", "", "", "", "南京西路中队", ""],
        ["建筑工地", "一号工地", ALIBABA, "", "南京西路 4 号", "", "", "", "", "南京西路中队", ""],
        ["建筑工地", "二号工地", SHANGHAI, "", "南京西路 5 号", "31.2", "", "", "", "南京西路中队", ""],
        ["沿街商户", "北京的店", TENCENT, "", "南京西路 6 号", "39.9042", "116.4074", "", "", "南京西路中队", ""],
        ["沿街商户", "漏了一位", _valid_code(77), "", "南京西路 7 号", "31.22", "12.145", "", "", "南京西路中队", ""],
    ]
    response = _import(client, make.headers(world["admin"]), _csv(rows, encoding="gb18030"))
    assert response.status_code == 422
    assert response.json["error"] == "import_row_errors"
    errors = response.json["errors"]["rows"]
    assert set(errors) == {"3", "4", "5", "6", "7", "8"}
    assert "校验位" in errors["3"] and "游乐场" in errors["4"] and "第 2 行" in errors["5"] and "经度" in errors["6"]
    assert "不在上海市范围内" in errors["7"] and "不在上海市范围内" in errors["8"]
    assert _count() == 0


def test_a_wrong_row_after_rows_already_written_leaves_nothing_stored(client, make, world, monkeypatch):
    monkeypatch.setattr(registry, "IMPORT_CHUNK", 2)  # rows are written two at a time
    rows = [["沿街商户", f"商户{n}", _valid_code(n), "", f"南京西路 {n} 号", "", "", "", "", "南京西路中队", ""]
            for n in range(1, 6)]
    rows.append(["沿街商户", "最后一行", "91330100716105852A", "", "南京西路 9 号", "", "", "", "", "南京西路中队", ""])
    response = _import(client, make.headers(world["admin"]), _csv(rows))
    assert (response.status_code, list(response.json["errors"]["rows"])) == (422, ["7"])
    assert _count() == 0
    assert session.scalar(select(func.count()).select_from(GradeChange)) == 0


def test_excel_import_creates_then_updates_by_credit_code(client, make, world):
    headers = make.headers(world["leader"])
    rows = [["沿街商户", "老王面馆", ALIBABA, "JY1;JY2", "南京西路 1 号", 31.229, 121.455, "王建国", "13812345678",
             "南京西路中队", "JA-03-12"],
            ["street_shop", "小李水果", TENCENT, None, "南京西路 2 号", None, None, None, None, "南京西路中队", None]]
    first = _import(client, headers, xlsx(rows, header=HEADER), name="名录.xlsx")
    assert first.status_code == 201, first.json
    assert (first.json["created"], first.json["updated"]) == (2, 0)
    rows[0][1] = "老王面馆（改名）"
    again = _import(client, headers, _csv([[cell if cell is not None else "" for cell in row] for row in rows]))
    assert again.status_code == 201, again.json
    assert (again.json["created"], again.json["updated"]) == (0, 2)
    assert [r["action"] for r in again.json["rows"]] == ["updated", "updated"]
    listed = client.get("/api/inspections/objects", headers=headers).json
    assert [(o["name"], o["licence_numbers"]) for o in listed] == [
        ("老王面馆（改名）", ["JY1", "JY2"]),
        ("小李水果", []),
    ]
    assert listed[0]["contact"] == {"name": "王建国", "phone": "13812345678"}

    # another squad's leader may not overwrite these objects through an import
    theirs = _import(client, make.headers(world["other_leader"]), _csv([
        ["沿街商户", "冒名", ALIBABA, "", "某路 1 号", "", "", "", "", "静安寺中队", ""]]))
    assert (theirs.status_code, list(theirs.json["errors"]["rows"])) == (422, ["2"])
    assert client.get(f"/api/inspections/objects/{listed[0]['id']}", headers=headers).json["name"] == "老王面馆（改名）"


def test_import_without_a_required_column_is_refused(client, make, world):
    response = _import(client, make.headers(world["admin"]), _csv([["沿街商户", "老王面馆"]], header=["类型", "名称"]))
    assert (response.status_code, response.json["error"]) == (422, "excel_missing_columns")
