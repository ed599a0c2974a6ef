"""Closing a repeat's 督办 (重复投诉核查督办): the squad leader records the finding and a note, once; it is
audited, listed as closed, and counted in the monthly report; bad input is a 4xx with nothing stored."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backend.audit import AuditEntry
from backend.db import local_day, session
from backend.org.models import Role
from tests.orders.conftest import an_order, send
from tests.orders.test_repeats import leader_of


@pytest.fixture
def repeat(client, make, platform, source, squad) -> dict:
    """Two orders about the same stall, the second flagged as a repeat of the first."""
    send(client, platform, source, an_order())
    send(client, platform, source, an_order())
    [flagged] = client.get("/api/orders/repeats", headers=make.headers(leader_of(squad))).json
    return flagged


def close(client, make, who, repeat_id, **body):
    """JSON with non-ASCII escaped, as a lone surrogate can only travel."""
    return client.post(f"/api/orders/repeats/{repeat_id}/close", headers=make.headers(who), data=json.dumps(body),
                       content_type="application/json")


def listed(client, make, who, **query) -> list[int]:
    return [r["id"] for r in client.get("/api/orders/repeats", headers=make.headers(who), query_string=query).json]


def test_the_leader_closes_the_flag_with_a_finding_once_and_it_counts(client, make, squad, repeat):
    leader = leader_of(squad)
    assert repeat["closed_at"] is None and listed(client, make, leader, closed="false") == [repeat["id"]]
    month = f"{local_day():%Y-%m}"
    [before] = client.get("/api/orders/reports/monthly", headers=make.headers(leader),
                          query_string={"month": month}).json
    assert (before["repeats"], before["repeats_closed"]) == (1, 0)

    closed = close(client, make, leader, repeat["id"], finding="handled", note="  现场核查属实，已再次劝离并加强巡查  ")
    assert closed.status_code == 200, closed.json
    assert (closed.json["finding"], closed.json["finding_note"], closed.json["closed_by_id"]) == (
        "handled", "现场核查属实，已再次劝离并加强巡查", leader.id)
    assert closed.json["closed_at"] is not None
    assert listed(client, make, leader, closed="false") == [] and listed(client, make, leader, closed="true") == [
        repeat["id"]]
    [after] = client.get("/api/orders/reports/monthly", headers=make.headers(leader),
                         query_string={"month": month}).json
    assert (after["repeats"], after["repeats_closed"]) == (1, 1)
    audited = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "order_repeat",
                                                       AuditEntry.object_id == str(repeat["id"]))).all()
    assert [(a.actor_id, a.action, a.outcome) for a in audited] == [
        (leader.id, "POST orders_analysis.repeat_close", 200)]

    again = close(client, make, leader, repeat["id"], finding="not_repeat", note="改判")
    assert again.status_code == 409 and again.json["error"] == "already_closed"
    assert client.get("/api/orders/repeats", headers=make.headers(leader)).json[0]["finding"] == "handled"


@pytest.mark.parametrize("body", [
    {"finding": "verified", "note": "核查"},  # a finding the list does not have
    {"finding": "handled"},  # no note
    {"finding": "handled", "note": ""},
    {"finding": "handled", "note": "很" * 501},
    {"finding": "handled", "note": "\ud800"},  # a lone surrogate
    {"finding": 2**70, "note": "核查"},
    {"note": "核查"},
    {"finding": "handled", "note": "核查", "closed_by_id": 1},  # not the caller's to set
])
def test_bad_input_is_refused_and_nothing_is_stored(client, make, squad, repeat, body):
    leader = leader_of(squad)
    refused = close(client, make, leader, repeat["id"], **body)
    assert 400 <= refused.status_code < 500 and refused.json["error"] and refused.json["message"]
    assert listed(client, make, leader, closed="true") == []


def test_who_may_close_it(client, make, squad, repeat):
    officer = make.officer(squad=squad)
    supervisor = make.officer(Role.supervisor, district=squad.district)
    other_leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    body = {"finding": "duplicate", "note": "同一摊位，前件已在处置"}
    assert close(client, make, officer, repeat["id"], **body).status_code == 403
    assert close(client, make, supervisor, repeat["id"], **body).status_code == 403
    assert close(client, make, other_leader, repeat["id"], **body).status_code == 404
    assert close(client, make, leader_of(squad), 2**63, **body).status_code == 404
    assert client.get("/api/orders/repeats?closed=maybe", headers=make.headers(leader_of(squad))).status_code == 422
    assert close(client, make, leader_of(squad), repeat["id"], **body).status_code == 200
