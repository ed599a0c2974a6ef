"""Signed short-lived download links: a file opened by a plain URL, as its signer, for its path only, for
DOWNLOAD_LINK_SECONDS, while the signer's session lasts; every refusal with its code and a Chinese message."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import session
from backend.org.models import Role


@pytest.fixture
def leader(make):
    squad = make.squad()
    return make.officer(Role.squad_leader, squad=squad)


def _link(client, headers, path):
    response = client.post("/api/downloads/links", json={"path": path}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["url"]


def test_a_link_opens_the_file_without_the_header_and_its_making_is_audited(client, make, leader):
    office = make.office(leader.squad)
    url = _link(client, make.headers(leader), f"/api/community/offices/{office.id}/qr.png")
    assert url.startswith(f"/api/community/offices/{office.id}/qr.png?link=")
    opened = client.get(url)
    assert opened.status_code == 200 and opened.mimetype == "image/png"
    assert opened.data == client.get(f"/api/community/offices/{office.id}/qr.png", headers=make.headers(leader)).data
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == "POST downloads.links")
                          .order_by(AuditEntry.id.desc())).first()
    assert (row.actor_id, row.object_type, row.detail) == (
        leader.id, "download_link", f"/api/community/offices/{office.id}/qr.png")


def test_a_links_query_string_is_part_of_what_it_opens(client, make, leader):
    headers = make.headers(leader)
    url = _link(client, headers, f"/api/points/monthly/export?squad_id={leader.squad_id}&month=2026-11")
    opened = client.get(url)
    assert opened.status_code == 200
    assert load_workbook(io.BytesIO(opened.data)).active is not None
    other_month = client.get(url.replace("month=2026-11", "month=2026-10"))
    assert other_month.status_code == 403 and other_month.json["error"] == "link_mismatch"
    assert "不符" in other_month.json["message"]


def test_a_link_for_one_file_does_not_open_another(client, make, leader):
    first, second = make.office(leader.squad), make.office(leader.squad)
    url = _link(client, make.headers(leader), f"/api/community/offices/{first.id}/qr.png")
    token = url.split("link=")[1]
    moved = client.get(f"/api/community/offices/{second.id}/qr.png?link={token}")
    assert moved.status_code == 403 and moved.json["error"] == "link_mismatch"


def test_a_forged_or_damaged_link_is_refused(client, make, leader):
    office = make.office(leader.squad)
    url = _link(client, make.headers(leader), f"/api/community/offices/{office.id}/qr.png")
    damaged = client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert damaged.status_code == 403 and damaged.json["error"] == "link_invalid"
    assert damaged.json["message"] == "下载链接无效"
    assert client.get(f"/api/community/offices/{office.id}/qr.png?link=anything").json["error"] == "link_invalid"


def test_an_expired_link_is_gone(client, make, leader, app, monkeypatch):
    office = make.office(leader.squad)
    url = _link(client, make.headers(leader), f"/api/community/offices/{office.id}/qr.png")
    monkeypatch.setitem(app.config, "DOWNLOAD_LINK_SECONDS", -1)
    expired = client.get(url)
    assert expired.status_code == 410 and expired.json["error"] == "link_expired"
    assert "过期" in expired.json["message"]


def test_a_link_ends_with_its_signers_session(client, make, leader):
    office = make.office(leader.squad)
    headers = make.headers(leader)
    url = _link(client, headers, f"/api/community/offices/{office.id}/qr.png")
    assert client.post("/api/auth/logout", headers=headers).status_code in (200, 204)
    ended = client.get(url)
    assert ended.status_code == 401 and ended.json["error"] == "link_session_ended"
    assert "重新登录" in ended.json["message"]


def test_a_link_reads_only_what_its_signer_may_read(client, make, leader):
    stranger = make.office(make.squad())  # another district's office
    url = _link(client, make.headers(leader), f"/api/community/offices/{stranger.id}/qr.png")
    assert client.get(url).status_code in (403, 404)


@pytest.mark.parametrize("path", ["/api/points/monthly", "/api/training/courses", "https://example.com/api/x",
                                  "/console/board", "/api/no/such/path", ""])
def test_only_a_file_download_gets_a_link(client, make, leader, path):
    refused = client.post("/api/downloads/links", json={"path": path}, headers=make.headers(leader))
    assert refused.status_code == 422 and refused.json["error"] == "link_not_allowed"
    assert refused.json["errors"]["path"] == ["该地址不是可下载的文件接口"]


def test_a_link_on_an_endpoint_that_is_no_download_is_refused(client, make, leader):
    office = make.office(leader.squad)
    url = _link(client, make.headers(leader), f"/api/community/offices/{office.id}/qr.png")
    token = url.split("link=")[1]
    refused = client.get(f"/api/community/offices/{office.id}/qr?link={token}")
    assert refused.status_code == 403 and refused.json["error"] == "link_not_allowed"


def test_making_a_link_needs_a_session(client):
    assert client.post("/api/downloads/links", json={"path": "/api/points/monthly/export?month=2026-11"}
                       ).status_code == 401


def test_a_link_is_made_only_for_a_query_the_download_takes(client, make, leader):
    refused = client.post("/api/downloads/links", json={"path": "/api/points/monthly/export?month=2026-13"},
                          headers=make.headers(leader))
    assert refused.status_code == 422 and refused.json["error"] == "validation_error"
    assert list(refused.json["errors"]["query"]) == ["month"]
    missing = client.post("/api/downloads/links", json={"path": "/api/points/monthly/export"},
                          headers=make.headers(leader))
    assert missing.status_code == 422 and "month" in missing.json["errors"]["query"]


def test_evidence_opened_through_a_link_is_in_the_custody_log_as_its_signers(client, make):
    from backend.evidence.models import CustodyAction, CustodyEntry
    from tests.evidence.helpers import unique_jpeg, upload

    officer = make.officer()
    leader = make.officer(Role.squad_leader, squad=officer.squad)
    uploaded = upload(client, make.headers(officer), unique_jpeg())
    assert uploaded.status_code == 201, uploaded.json
    evidence_id = uploaded.json["id"]
    url = _link(client, make.headers(leader), f"/api/evidence/{evidence_id}/thumbnail")
    opened = client.get(url)
    assert opened.status_code == 200 and opened.mimetype == "image/jpeg"
    entries = session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)).all()
    assert [(e.actor_id, e.action) for e in entries] == [(leader.id, CustodyAction.view_thumbnail)]
