"""Hostile input (issue 15 §2): each class is refused with a 4xx, a machine code and a Chinese message, never a
500; a refused login is still audited, and an offline batch still refuses item by item."""
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.audit import AuditEntry
from backend.db import session, utcnow
from backend.duty.models import DutyCheck, Position
from backend.evidence.models import Evidence
from backend.org.models import Role
from tests.evidence.helpers import stored_files, unique_jpeg, upload

BEYOND_64_BITS = 2**64 + 1
CALENDAR_ENDS = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.json
    assert body["error"] == code and body["code"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    return body


def _count(model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin_headers(make):
    return make.headers(make.officer(Role.district_admin))


@pytest.mark.parametrize("url", [
    "/api/duty/shifts?officer_id={n}", "/api/evidence?officer_id={n}", "/api/cases?squad_id={n}",
    "/api/org/officers?squad_id={n}", "/api/community/complaints?office_id={n}",
    "/api/points/monthly?officer_id={n}", "/api/training/credits?officer_id={n}",
])
def test_an_integer_beyond_64_bits_in_a_query_string_is_a_field_error(url, client, admin_headers):
    body = _refused(client.get(url.format(n=BEYOND_64_BITS), headers=admin_headers), 422, "validation_error")
    assert list(body["errors"]["query"]) == [url.split("?")[1].split("=")[0]]


def test_a_page_number_beyond_64_bits_is_an_empty_page(client, admin_headers):
    response = client.get(f"/api/org/officers?page={BEYOND_64_BITS}", headers=admin_headers)
    assert response.status_code == 200 and response.json == []


@pytest.mark.parametrize("squad_id", [BEYOND_64_BITS, -BEYOND_64_BITS, 2**31, 0, 1e300, float("inf"), float("nan")])
def test_an_integer_beyond_its_column_in_json_is_a_field_error(squad_id, client, admin_headers):
    response = client.post("/api/org/officers", headers=admin_headers, json={
        "badge_no": "H0001", "name": "张三", "role": "officer", "squad_id": squad_id})
    assert "squad_id" in _refused(response, 422, "validation_error")["errors"]["json"]


@pytest.mark.parametrize("path", [f"/api/cases/{BEYOND_64_BITS}", f"/api/duty/shifts/{2**63}",
                                  f"/api/training/papers/{2**31}", "/api/training/credit-requirements/9999",
                                  "/api/training/credit-requirements/0"])
def test_an_id_beyond_its_column_in_a_path_is_not_found(path, client, admin_headers):
    _refused(client.get(path, headers=admin_headers), 404, "not_found")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_at_the_calendars_ends_is_a_field_error(day, client, make, admin_headers):
    officer = make.officer()
    for url, headers in ((f"/api/duty/today?day={day}", make.headers(officer)),
                         (f"/api/duty/shifts?day_from={day}", admin_headers),
                         (f"/api/points/monthly?month={day[:7]}", admin_headers),
                         (f"/api/cases/reports/monthly?month={day[:7]}", admin_headers)):
        _refused(client.get(url, headers=headers), 422, "validation_error")


@pytest.mark.parametrize("moment", CALENDAR_ENDS)
def test_a_time_at_the_calendars_ends_with_an_extreme_offset_is_a_field_error(moment, client, make):
    officer = make.officer()
    shift = make.shift(officer, utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=8))
    response = client.post("/api/duty/check-ins", headers=make.headers(officer), json={
        "shift_id": shift.id, "client_id": str(uuid.uuid4()), "client_at": moment, "lat": 31.2304, "lng": 121.4737,
        "accuracy_m": 10})
    assert "2000-01-01" in _refused(response, 422, "validation_error")["errors"]["json"]["client_at"][0]
    assert _count(DutyCheck) == 0


def test_a_sync_batch_with_hostile_items_refuses_them_and_stores_the_others(client, make):
    officer = make.officer()
    now = utcnow().replace(microsecond=0)
    shift = make.shift(officer, now - timedelta(minutes=30), now + timedelta(hours=8), post=make.post(officer.squad))

    def item(kind, **extra):
        return {"kind": kind, "client_id": str(uuid.uuid4()), "client_at": (now - timedelta(minutes=20)).isoformat(),
                "lat": 31.2304, "lng": 121.4737, "accuracy_m": 15, **extra}

    items = [item("check_in", shift_id=BEYOND_64_BITS), item("position", client_at=CALENDAR_ENDS[0]),
             item("check_in", shift_id=shift.id), item("position", client_at=CALENDAR_ENDS[1]), item("position")]
    response = client.post("/api/duty/sync", headers=make.headers(officer), json={"items": items})
    assert response.status_code == 200, response.json
    assert [(r["status"], r.get("code")) for r in response.json["results"]] == [
        ("refused", "validation_error"), ("refused", "validation_error"), ("accepted", None),
        ("refused", "validation_error"), ("accepted", None)]
    assert (_count(DutyCheck), _count(Position)) == (1, 1)


def test_unstorable_text_in_one_sync_item_refuses_that_item_alone(client, make):
    officer = make.officer()
    now = utcnow().replace(microsecond=0)
    shift = make.shift(officer, now - timedelta(minutes=30), now + timedelta(hours=8), post=make.post(officer.squad))

    def item(kind, **extra):
        return {"kind": kind, "client_id": str(uuid.uuid4()), "client_at": (now - timedelta(minutes=20)).isoformat(),
                "lat": 31.2304, "lng": 121.4737, "accuracy_m": 15, **extra}

    items = [item("check_in", shift_id=shift.id, reason="外勤\ud800"), item("position", client_id="abc\x00defgh"),
             item("position", **{"note\udfff": 1}), item("check_in", shift_id=shift.id), item("position")]
    def send(url, body):  # escaped as JSON writes them: a lone surrogate is no UTF-8
        return client.post(url, headers=make.headers(officer), data=json.dumps(body), content_type="application/json")

    response = send("/api/duty/sync", {"items": items})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(r["status"], r.get("code")) for r in results] == [("refused", "invalid_text")] * 3 + [
        ("accepted", None), ("accepted", None)]
    assert "无法保存" in results[0]["message"] and results[0]["client_id"] == items[0]["client_id"]
    assert results[1]["client_id"] is None  # the unstorable id is not echoed
    assert (_count(DutyCheck), _count(Position)) == (1, 1)
    # Outside the items, and on every other endpoint, such text still refuses the whole body.
    _refused(send("/api/duty/sync", {"items": [item("position")], "\ud800": 1}), 400, "invalid_text")
    _refused(send("/api/duty/positions", {"positions": [{**item("position"), "client_id": "abc\x00defgh"}]}), 400,
             "invalid_text")
    assert _count(Position) == 1


def test_a_lone_surrogate_is_refused_and_the_refused_login_is_still_audited(client):
    body = '{"badge_no": "\\ud800", "password": "x\\udfff"}'
    _refused(client.post("/api/auth/login", data=body, content_type="application/json"), 400, "invalid_text")
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.outcome) == ("POST auth.login", 400)


def test_nul_no_column_can_store_is_refused_wherever_it_comes(client, make, app):
    headers = make.headers(make.officer())
    files_before = stored_files(app)
    for response in (client.post("/api/auth/login", json={"badge_no": "A\x00", "password": "x"}),
                     client.get("/api/community/public/complaints/AB%00CD"),
                     client.get("/api/training/courses?category=%00", headers=headers),
                     upload(client, headers, unique_jpeg(), place="人民大道\x00200 号")):
        _refused(response, 400, "invalid_text")
    assert _count(Evidence) == 0 and stored_files(app) == files_before


def test_a_pair_of_surrogates_is_one_character_and_welcome(client):
    body = '{"badge_no": "\\ud83d\\ude00", "password": "x"}'
    assert client.post("/api/auth/login", data=body, content_type="application/json").status_code == 401


@pytest.mark.parametrize("body", ["[" * 50_000 + "]" * 50_000, '{"badge_no": ' + "[" * 40 + "]" * 40 + "}"],
                         ids=["50000 deep", "40 deep"])
def test_json_nested_too_deep_is_refused(body, client):
    _refused(client.post("/api/auth/login", data=body, content_type="application/json"), 400, "json_too_deep")


def test_an_integer_of_thousands_of_digits_is_refused_as_it_is_parsed(client):
    body = f'{{"badge_no": {"9" * 5000}, "password": "x"}}'
    _refused(client.post("/api/auth/login", data=body, content_type="application/json"), 400,
             "number_out_of_range")


def test_an_oversized_json_body_on_the_login_is_refused_unread(client):
    body = json.dumps({"badge_no": "A0001", "password": "x" * 20_000_000})
    _refused(client.post("/api/auth/login", data=body, content_type="application/json"), 413, "too_large")
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.outcome) == ("POST auth.login", 413)


def test_an_oversized_json_body_to_the_case_import_is_refused(client, admin_headers, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUEST_MAX_JSON_BYTES", 100_000)
    rows = [{"case_no": f"沪静城罚〔2026〕{n}号"} for n in range(10_000)]
    _refused(client.post("/api/cases/import", headers=admin_headers, json={"rows": rows}), 413, "too_large")


def test_an_oversized_upload_is_refused_before_anything_is_stored(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUEST_MAX_MULTIPART_BYTES", 1_000_000)
    headers = make.headers(make.officer())
    files_before = stored_files(app)
    _refused(upload(client, headers, unique_jpeg() + b"\0" * 1_200_000), 413, "too_large")
    assert _count(Evidence) == 0 and stored_files(app) == files_before
    assert upload(client, headers, unique_jpeg()).status_code == 201  # below the cap: taken


def test_an_overall_cap_holds_for_any_kind_of_body(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUEST_MAX_BYTES", 1000)
    response = client.post("/api/auth/login", json={"badge_no": "A0001", "password": "x" * 2000})
    _refused(response, 413, "too_large")
    callback = "/api/wechat/callback?msg_signature=s&timestamp=1&nonce=n"
    _refused(client.post(callback, data=b"<xml>" + b"x" * 2000 + b"</xml>", content_type="text/xml"), 413, "too_large")


def test_an_answer_with_an_option_beyond_64_bits_is_a_field_error(client, make):
    response = client.post(f"/api/training/quizzes/{2**31 - 1}/answers", headers=make.headers(make.officer()),
                           json={"answer": [BEYOND_64_BITS]})
    assert "answer" in _refused(response, 422, "validation_error")["errors"]["json"]


def test_a_text_part_where_a_file_belongs_is_a_field_error_and_nothing_is_stored(client, make, app):
    officer, files_before = make.officer(), stored_files(app)
    fields = {"client_id": str(uuid.uuid4()), "captured_at": (utcnow() - timedelta(minutes=5)).isoformat(),
              "lat": "31.2304", "lng": "121.4737", "file": "{}"}
    response = client.post("/api/evidence", headers=make.headers(officer), data=fields,
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["errors"]["form"]["file"] == ["应为上传的文件。"]
    assert _count(Evidence) == 0 and stored_files(app) == files_before


# Digits a person did not mean as this number: full-width (an IME's default), Arabic-Indic, an underscore, spaces
# or a newline around them; Python's int() reads every one of them as a number.
NOT_ASCII_DIGITS = ["１", "٣", "1_0", " 1", "1\n", "+1"]


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_an_integer_in_a_query_string_in_other_than_ascii_digits_is_a_field_error(value, client, make, admin_headers):
    squad = make.squad()
    body = _refused(client.get("/api/org/officers", query_string={"squad_id": value.replace("1", str(squad.id))},
                               headers=admin_headers), 422, "validation_error")
    assert body["errors"]["query"]["squad_id"] == ["应为半角阿拉伯数字 0–9 写成的整数。"]


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_an_integer_in_json_text_in_other_than_ascii_digits_is_a_field_error(value, client, make, admin_headers):
    squad = make.squad()
    response = client.post("/api/org/officers", headers=admin_headers, json={
        "badge_no": "H0001", "name": "张三", "role": "officer", "squad_id": value.replace("1", str(squad.id))})
    assert "squad_id" in _refused(response, 422, "validation_error")["errors"]["json"]


# The same for a number with a fraction: float() and Decimal() read these too.
NOT_ASCII_FRACTIONS = ["３１.２３０４", "31.2304\n", " 31.2304", "3_1.2304", "3.12304e1", "+31.2304"]


@pytest.mark.parametrize("lat", NOT_ASCII_FRACTIONS)
def test_a_position_in_a_form_in_other_than_ascii_digits_is_a_field_error_and_nothing_is_stored(lat, client, make,
                                                                                                  app):
    officer, files_before = make.officer(), stored_files(app)
    response = upload(client, make.headers(officer), unique_jpeg(), lat=lat)
    body = _refused(response, 422, "validation_error")
    assert body["errors"]["form"]["lat"] == ["应为半角阿拉伯数字 0–9 写成的数（可带负号和小数点）。"]
    assert _count(Evidence) == 0 and stored_files(app) == files_before


@pytest.mark.parametrize("hours", ["１.５", "1.5\n", "1e1"])
def test_credit_hours_in_other_than_ascii_digits_are_a_field_error(hours, client, make):
    response = client.post("/api/training/courses", headers=make.headers(make.officer(Role.trainer)), json={
        "title": "执法规范", "category": "classroom", "credit_hours": hours})
    assert "credit_hours" in _refused(response, 422, "validation_error")["errors"]["json"]


def test_an_id_in_a_path_in_full_width_digits_is_not_another_object(client, make):
    officer = make.officer(Role.district_admin)
    admin_headers = make.headers(officer)
    full_width = str(officer.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(f"/api/org/officers/{officer.id}", headers=admin_headers).status_code == 200
    _refused(client.get(f"/api/org/officers/{full_width}", headers=admin_headers), 404, "not_found")


@pytest.mark.parametrize("phone", ["13812345678\n", "1３８12345678"])
def test_a_pattern_refuses_a_trailing_newline_and_full_width_digits(phone, client, admin_headers):
    response = client.post("/api/org/officers", headers=admin_headers, json={
        "badge_no": "H0001", "name": "张三", "role": "officer", "phone": phone})
    assert _refused(response, 422, "validation_error")["errors"]["json"]["phone"] == ["应为 11 位手机号。"]


def test_a_camera_code_with_a_trailing_newline_is_refused(client, admin_headers):
    response = client.post("/api/nonsite/cameras", headers=admin_headers, json={"code": "CAM01\n", "name": "路口"})
    assert "code" in _refused(response, 422, "validation_error")["errors"]["json"]


def test_every_number_an_operation_reads_refuses_other_digits(app):
    """A new number field of a plain `fields.Integer`, `Float` or `Decimal` would take "１２３" or "１.５" again: each
    is our `Int`, `Float` or `Decimal` (api/fields.py)."""
    from marshmallow import fields as ma_fields

    from backend.api import fields as ours

    plain, seen = [], set()

    def walk(schema):
        schema = schema() if isinstance(schema, type) else schema
        if type(schema) in seen:
            return
        seen.add(type(schema))
        for name, field in schema.fields.items():
            check(field, f"{type(schema).__name__}.{name}")

    def check(field, label):
        if field.dump_only:
            return
        for theirs, mine in ((ma_fields.Integer, ours.Int), (ma_fields.Float, ours.Float),
                             (ma_fields.Decimal, ours.Decimal)):
            if isinstance(field, theirs) and not isinstance(field, mine):
                plain.append(label)
        if isinstance(field, ma_fields.Nested):
            walk(field.schema)
        if isinstance(field, ma_fields.List):
            check(field.inner, label + "[]")
        if isinstance(field, ma_fields.Dict) and field.value_field:
            check(field.value_field, label + "{}")

    for view in app.view_functions.values():
        view_class = getattr(view, "view_class", None)
        handlers = [getattr(view_class, method) for method in ("get", "post", "put", "patch", "delete")
                    if hasattr(view_class, method)] if view_class else [view]
        for handler in handlers:
            for parameter in getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", []):
                walk(parameter["schema"])
    assert seen and plain == []
