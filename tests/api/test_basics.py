"""The API's shell: health, OpenAPI document, docs page, error body, audit rows."""
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.org.models import Officer, Role


def test_health_checks_the_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_openapi_document_lists_endpoints_with_summaries(client):
    doc = client.get("/api/openapi.json").json
    assert doc["info"]["title"] == "智慧城管 API"
    assert "/api/auth/login" in doc["paths"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/static/swagger-ui-bundle.js" in page.data
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


def test_unknown_route_gets_chinese_error_body(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert response.json["message"] == "请求的地址不存在"
    assert response.json["request_id"]


def test_malformed_json_is_refused_with_a_code(client):
    response = client.post("/api/auth/login", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "malformed_json"
    assert "JSON" in response.json["message"]


def test_wrong_types_and_unknown_fields_are_named_in_chinese(client):
    response = client.post("/api/auth/login", json={"badge_no": 5, "password": "x", "admin": True})
    assert response.status_code == 422
    assert response.json["error"] == "validation_error"
    fields = response.json["errors"]["json"]
    assert fields["badge_no"] == ["应为字符串。"]
    assert fields["admin"] == ["未知字段。"]


def test_failed_write_is_audited_and_leaves_nothing_behind(client, make):
    admin = make.officer(Role.district_admin)
    squad = make.squad(admin.district)
    response = client.post("/api/org/officers", headers=make.headers(admin), json={
        "badge_no": admin.badge_no, "name": "重复工号", "role": "officer", "squad_id": squad.id})
    assert response.status_code == 409
    assert response.json["error"] == "badge_no_taken"
    assert session.scalar(select(Officer).where(Officer.name == "重复工号")) is None
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.outcome) == ("POST org.officers", admin.id, 409)


def test_successful_write_is_audited_with_its_object(client, make):
    admin = make.officer(Role.district_admin)
    squad = make.squad(admin.district)
    response = client.post("/api/org/officers", headers=make.headers(admin), json={
        "badge_no": "N0001", "name": "新队员", "role": "officer", "squad_id": squad.id, "phone": "13912345678"})
    assert response.status_code == 201
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.object_type, entry.object_id, entry.outcome) == ("officer", str(response.json["id"]), 201)


def test_audit_log_cannot_be_changed(make):
    entry = AuditEntry(action="test", outcome=200)
    session.add(entry)
    session.flush()
    entry.outcome = 500
    try:
        session.flush()
    except RuntimeError as error:
        assert "append-only" in str(error)
    else:
        raise AssertionError("an audit row was changed")


def test_behind_a_proxy_the_audit_log_keeps_the_clients_address(app, make):
    from backend import create_app

    proxied = create_app({**app.config, "PROXY_HOPS": 1})
    response = proxied.test_client().post("/api/auth/login", json={"badge_no": "NOBODY", "password": "x"},
                                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 401
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.object_id, entry.address) == ("NOBODY", "203.0.113.7")


def test_without_a_proxy_a_forged_forwarded_header_is_ignored(client):
    client.post("/api/auth/login", json={"badge_no": "NOBODY", "password": "x"},
                headers={"X-Forwarded-For": "203.0.113.7"})
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.address == "127.0.0.1"
