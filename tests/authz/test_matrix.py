"""The authorization matrix: every endpoint that takes an object id, every role × where the object is.

Where: `own` (the caller's own object), `squad` (a squad mate's), `other_squad` (someone's in another squad of
the same district), `other_district`. Each cell is the expected status code; `-` where the case cannot exist
(an administrator has no squad, so no roster line of their own).

The observers have columns of their own: the city bureau's three roles (`city`) and the leader of the 街镇 that
squad A1 works under (`town`; squad A2 works under another 街镇 of district A). They own nothing, so their `own`
is always `-`. Unless a row says otherwise a read is open to the city everywhere and to the town leader for
squad A1 only, and every change is refused to both (403). An endpoint with an id in its URL that is not in
MATRIX fails `test_every_id_endpoint_is_in_the_matrix`.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from backend.db import utcnow
from backend.org.models import Officer, Role
from backend.training.live.classes import join_signature
from backend.training.live.screen import screen_key
from tests import photos
from tests.authz.makers import (
    alert_ids,
    assigned_complaint_ids,
    assigned_work_order_ids,
    attempt_ids,
    bank_ids,
    case_ids,
    check_ids,
    complaint_ids,
    complaint_photo_ids,
    course_ids,
    credit_penalty_ids,
    credit_repair_ids,
    district_ids,
    drill_attempt_ids,
    drill_ids,
    evidence_form,
    evidence_ids,
    finding_ids,
    gesture_ids,
    gesture_photo_form,
    inspection_draw_ids,
    inspection_object_ids,
    inspection_photo_evidence_ids,
    inspection_photo_form,
    inspection_photo_ids,
    inspection_plan_ids,
    live_class_ids,
    live_class_with_question_ids,
    material_form,
    material_ids,
    nonsite_case_ending_ids,
    nonsite_case_ids,
    nonsite_case_in_review_ids,
    nonsite_closed_case_ids,
    nonsite_decided_case_ids,
    nonsite_document_ids,
    nonsite_noticed_case_ids,
    notice_ids,
    office_ids,
    officer_ids,
    outbox_message_ids,
    paper_ids,
    position_archive_ids,
    post_ids,
    quarterly_ids,
    question_ids,
    question_sheet_form,
    quiz_ids,
    repeat_ids,
    sheet_ids,
    shift_ids,
    squad_ids,
    teacher_ids,
    town_ids,
    work_order_ids,
    yearly_ids,
)

ROLES = [Role.officer, Role.squad_leader, Role.district_admin, Role.supervisor, Role.trainer]
CITY_ROLES = [Role.city_admin, Role.city_supervisor, Role.city_trainer]
OBSERVER_ROLES = [*CITY_ROLES, Role.town_leader]
WHERE = ["own", "squad", "other_squad", "other_district"]


@dataclass
class World:
    """District A (squads A1, A2) and district B: one caller per role in A, and the owners of the objects."""

    callers: dict[Role, Officer]
    mate: Officer  # squad A1
    other_squad: Officer  # squad A2
    other_district: Officer  # district B
    supervisor: Officer
    trainer: Officer


MEDIA_ID = "MATRIX-PHOTO"  # a photo the fake government-WeChat server serves during the matrix


@pytest.fixture
def world(make, fake_wechat) -> World:
    fake_wechat.media[MEDIA_ID] = (photos.encode(photos.coffee()), "image/jpeg")
    a1 = make.squad()
    a2 = make.squad(a1.district)
    b1 = make.squad()
    callers = {role: make.officer(role, squad=a1 if role in (Role.officer, Role.squad_leader) else None,
                                  district=a1.district) for role in [*ROLES, Role.legal_reviewer, *CITY_ROLES]}
    make.town(a2.district, a2)
    callers[Role.town_leader] = make.officer(Role.town_leader, town=make.town(a1.district, a1))
    return World(callers, make.officer(squad=a1), make.officer(squad=a2), make.officer(squad=b1),
                 callers[Role.supervisor], callers[Role.trainer])


def owner_of(world: World, role: Role, where: str) -> Officer | None:
    return {"own": world.callers[role], "squad": world.mate, "other_squad": world.other_squad,
            "other_district": world.other_district}[where]


@dataclass
class Endpoint:
    make: Callable
    expected: dict[Role, str]  # role -> "own squad other_squad other_district"
    body: dict | Callable | None = None
    query: dict | Callable | None = None
    form: Callable | None = None  # ids -> multipart form (files as (BytesIO, name, type)), sent instead of `body`


def E(maker, officer, leader, admin, supervisor, trainer, body=None, query=None, form=None,
      reviewer=None, city=None, town=None) -> Endpoint:
    """One row; `reviewer`, the legal reviewer's column, is required of the domains they work in (non-site);
    `city` (a string for all three city roles, or a dict by role) and `town` where they differ from the default."""
    expected = dict(zip(ROLES, (officer, leader, admin, supervisor, trainer), strict=True))
    if reviewer is not None:
        expected[Role.legal_reviewer] = reviewer
    if city is not None:
        expected.update(city if isinstance(city, dict) else dict.fromkeys(CITY_ROLES, city))
    if town is not None:
        expected[Role.town_leader] = town
    return Endpoint(maker, expected, body, query, form)


NONE_403, NONE_404, TOWN_OWN = "- 403 403 403", "- 404 404 404", "- 200 404 404"
# Where the observers' columns differ from the default (city "- 200 200 200", town "- 200 404 404" for a read):
# (city, town) by endpoint, grouped by why.
OBSERVER_EXCEPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    # personal images, PIPL's minimum necessary: no observer's work needs them (README, "Who opens personal images")
    **dict.fromkeys([("GET", "/api/community/complaints/<int:complaint_id>/photos/<int:photo_id>"),
                     ("GET", "/api/duty/checks/<int:check_id>/selfie"),
                     ("GET", "/api/inspections/inspections/<int:inspection_id>/photos/<int:photo_id>")],
                    (NONE_403, "- 403 404 404")),
    **{("GET", f"/api/evidence/<int:evidence_id>{tail}"): (NONE_404, NONE_404)
       for tail in ("", "/custody", "/original", "/thumbnail", "/watermarked")},
    # the tools of those who do the work (dispatching, camera alerts and non-site cases, the outbox, the trainers'
    # question bank, papers' statistics, a live class's screen, attendance and answers): not the observers'
    **dict.fromkeys([("GET", "/api/community/complaints/<int:complaint_id>/suggestions"),
                     ("GET", "/api/orders/<int:order_id>/suggestions"),
                     ("GET", "/api/nonsite/alerts/<int:alert_id>"),
                     ("GET", "/api/nonsite/cases/<int:case_id>"),
                     ("GET", "/api/nonsite/cases/<int:case_id>/archive"),
                     ("GET", "/api/nonsite/cases/<int:case_id>/timeline"),
                     ("GET", "/api/nonsite/documents/<int:document_id>/pdf"),
                     ("GET", "/api/outbox/messages/<int:message_id>"),
                     ("GET", "/api/training/banks/<int:bank_id>/questions"),
                     ("GET", "/api/training/papers/<int:paper_id>/item-statistics"),
                     ("GET", "/api/training/papers/<int:paper_id>/questions"),
                     ("GET", "/api/training/quizzes/<int:quiz_id>/distribution"),
                     *[("GET", f"/api/training/live-classes/<int:live_class_id>/{tail}")
                       for tail in ("attendance", "attendance.csv", "head-count", "qr.png", "screen")]],
                    (NONE_403, NONE_403)),
    # a district's own records (its training offer, its draws of objects to inspect): the city reads them, a
    # town leader does not (they read the squads' progress, GET /api/training/credits/squad)
    **dict.fromkeys([("GET", "/api/inspections/draws/<int:draw_id>"),
                     ("GET", "/api/inspections/draws/<int:draw_id>/inputs"),
                     ("GET", "/api/training/courses/<int:course_id>"),
                     ("GET", "/api/training/courses/<int:course_id>/materials/<int:material_id>/file"),
                     ("GET", "/api/training/teachers/<int:teacher_id>"),
                     ("GET", "/api/training/courses/<int:course_id>/completions"),
                     ("GET", "/api/training/drills/<int:drill_id>"),
                     ("GET", "/api/training/live-classes/<int:live_class_id>"),
                     ("GET", "/api/training/live-classes/<int:live_class_id>/drill-leaderboard"),
                     ("GET", "/api/training/papers/<int:paper_id>")],
                    ("- 200 200 200", NONE_404)),
    ("GET", "/api/training/live-classes/<int:live_class_id>/quiz"): ("- 204 204 204", NONE_404),  # no quiz open
    # the classroom screen opens with its signed key, whoever asks
    **dict.fromkeys([("GET", f"/classroom/<int:live_class_id>{tail}") for tail in ("", "/qr.png", "/state")],
                    ("- 200 200 200", "- 200 200 200")),
}


def with_observers(matrix: dict[tuple[str, str], Endpoint]) -> dict[tuple[str, str], Endpoint]:
    """Give every row the observers' columns a row does not give: reads as the module says (or as
    OBSERVER_EXCEPTIONS has it), every change 403."""
    for key, endpoint in matrix.items():
        city, town = OBSERVER_EXCEPTIONS.get(key, ("- 200 200 200", TOWN_OWN) if key[0] == "GET" else
                                             (NONE_403, NONE_403))
        endpoint.expected = {**dict.fromkeys(CITY_ROLES, city), Role.town_leader: town, **endpoint.expected}
    return matrix


def test_the_observers_exceptions_name_endpoints_of_the_matrix():
    assert not set(OBSERVER_EXCEPTIONS) - set(MATRIX)


MATRIX: dict[tuple[str, str], Endpoint] = with_observers({
    # The classroom screen is a browser in the room, not a person: its signed key opens it, whoever asks.
    **{
        ("GET", rule): E(
            live_class_ids, *["200 200 200 200"] * 5, query=lambda ids: {"key": screen_key(ids["live_class_id"])}
        )
        for rule in (
            "/classroom/<int:live_class_id>",
            "/classroom/<int:live_class_id>/qr.png",
            "/classroom/<int:live_class_id>/state",
        )
    },
    ("GET", "/api/supervision/notices/<int:notice_id>"): E(
        notice_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/supervision/notices/<int:notice_id>/print"): E(
        notice_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("POST", "/api/supervision/notices/<int:notice_id>/rectifications"): E(
        notice_ids,
        "201 404 404 404",
        "201 201 404 404",
        "- 403 403 404",
        "- 403 403 404",
        "- 403 403 404",
        body={"content": "已组织学习并整改"},
    ),
    ("POST", "/api/supervision/notices/<int:notice_id>/review"): E(
        notice_ids,
        "403 403 403 403",
        "403 403 403 403",
        "- 409 409 404",
        "- 409 409 404",
        "- 403 403 403",
        body={"accept": True, "comment": "整改到位"},
    ),
    ("GET", "/api/training/papers/<int:paper_id>"): E(
        paper_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/papers/<int:paper_id>/item-statistics"): E(
        paper_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("POST", "/api/training/papers/<int:paper_id>/attempts"): E(
        paper_ids, "201 201 201 404", "201 201 201 404", "403 403 403 403", "403 403 403 403", "403 403 403 403"
    ),
    ("GET", "/api/training/attempts/<int:attempt_id>"): E(
        attempt_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("PUT", "/api/training/attempts/<int:attempt_id>/answers"): E(
        attempt_ids,
        "200 404 404 404",
        "200 404 404 404",
        "- 404 404 404",
        "- 404 404 404",
        "- 404 404 404",
        body={"answers": []},
    ),
    ("POST", "/api/training/attempts/<int:attempt_id>/submit"): E(
        attempt_ids, "200 404 404 404", "200 404 404 404", "- 404 404 404", "- 404 404 404", "- 404 404 404", body={}
    ),
    ("GET", "/api/training/drills/<int:drill_id>"): E(
        drill_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("PATCH", "/api/training/gestures/<int:gesture_id>"): E(
        gesture_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "200 200 200 404",
        body=lambda ids: {"name": "右转弯手势"},
    ),
    ("POST", "/api/training/drills/<int:drill_id>/close"): E(
        drill_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("POST", "/api/training/drills/<int:drill_id>/attempts"): E(
        drill_ids,
        "422 422 422 404",
        "422 422 422 404",
        "422 422 422 404",
        "422 422 422 404",
        "422 422 422 404",
        body={"path": ["badge", "inform"]},
    ),
    ("GET", "/api/training/quizzes/<int:quiz_id>/distribution"): E(
        quiz_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("POST", "/api/training/quizzes/<int:quiz_id>/answers"): E(
        quiz_ids,
        "409 409 409 404",
        "409 409 409 404",
        "403 403 403 403",
        "403 403 403 403",
        "403 403 403 403",
        body={"answer": [0]},
    ),
    ("GET", "/api/training/courses/<int:course_id>"): E(
        course_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("PATCH", "/api/training/courses/<int:course_id>"): E(
        course_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "200 200 200 404",
        body=lambda ids: {"title": "行政处罚法解读（修订）"},
    ),
    ("GET", "/api/training/courses/<int:course_id>/completions"): E(
        course_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/teachers/<int:teacher_id>"): E(
        teacher_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("PATCH", "/api/training/teachers/<int:teacher_id>"): E(
        teacher_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "200 200 200 404",
        body=lambda ids: {"title": "主讲教师"},
    ),
    ("POST", "/api/training/courses/<int:course_id>/completions"): E(
        course_ids,
        "403 403 403 403",
        "403 403 403 403",
        "201 201 201 404",
        "403 403 403 403",
        "201 201 201 404",
        body=lambda ids: {"officer_ids": [ids["owner_id"]], "completed_on": date.today().isoformat()},
    ),
    ("DELETE", "/api/duty/shifts/<int:shift_id>"): E(
        shift_ids, "403 403 403 403", "204 204 404 404", "- 204 204 404", "- 403 403 403", "- 403 403 403"
    ),
    ("GET", "/api/cases/<int:case_id>"): E(
        case_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/community/complaints/<int:complaint_id>"): E(
        complaint_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/community/complaints/<int:complaint_id>/suggestions"): E(
        complaint_ids, "403 403 403 403", "200 200 404 404", "200 200 200 404", "403 403 403 403", "403 403 403 403"
    ),
    ("GET", "/api/community/complaints/<int:complaint_id>/photos/<int:photo_id>"): E(
        complaint_photo_ids,
        "200 404 404 404",
        "200 200 404 404",
        "200 200 200 404",
        "200 403 403 404",
        "200 403 403 404",
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/evidence"): E(
        assigned_complaint_ids,
        "201 404 404 404",
        "201 403 404 404",
        "- 403 403 404",
        "- 403 403 404",
        "- 403 403 404",
        form=evidence_form,
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/evidence/wechat"): E(
        assigned_complaint_ids,
        "201 404 404 404",
        "201 403 404 404",
        "- 403 403 404",
        "- 403 403 404",
        "- 403 403 404",
        body=lambda ids: {
            "media_id": MEDIA_ID,
            "client_id": str(uuid.uuid4()),
            "captured_at": utcnow().isoformat(),
            "lat": 31.2231,
            "lng": 121.4453,
        },
    ),
    ("GET", "/api/community/offices/<int:office_id>/qr"): E(
        office_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/community/offices/<int:office_id>/qr.png"): E(
        office_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/community/offices/<int:office_id>/qr.svg"): E(
        office_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/duty/checks/<int:check_id>"): E(
        check_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/duty/checks/<int:check_id>/selfie"): E(
        check_ids, "404 404 404 404", "404 404 404 404", "- 404 404 404", "- 403 403 404", "- 403 403 404"
    ),
    ("GET", "/api/duty/posts/<int:post_id>"): E(
        post_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/duty/shifts/<int:shift_id>"): E(
        shift_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    # the city's record of every officer's whereabouts: its administrator only (PIPL, minimum necessary)
    ("GET", "/api/duty/position-archives/<int:archive_id>/file"): E(
        position_archive_ids, *["403 403 403 403"] * 5,
        city={Role.city_admin: "- 200 200 200", Role.city_supervisor: NONE_403, Role.city_trainer: NONE_403},
        town=NONE_403),
    ("GET", "/api/duty/shifts/<int:shift_id>/track"): E(
        shift_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/evidence/<int:evidence_id>"): E(
        evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404", "200 404 404 404"
    ),
    ("GET", "/api/evidence/<int:evidence_id>/custody"): E(
        evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404", "200 404 404 404"
    ),
    ("GET", "/api/evidence/<int:evidence_id>/original"): E(
        evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404", "200 404 404 404"
    ),
    ("GET", "/api/evidence/<int:evidence_id>/thumbnail"): E(
        evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404", "200 404 404 404"
    ),
    ("GET", "/api/evidence/<int:evidence_id>/watermarked"): E(
        evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404", "200 404 404 404"
    ),
    ("GET", "/api/org/community-offices/<int:office_id>"): E(
        office_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    # the 街镇: everyone reads the one their squad works under, a district's staff the district's; the district
    # administrator puts a squad under one
    ("GET", "/api/org/towns/<int:town_id>"): E(
        town_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    # a district's first administrator: the city administrator's, once (district A has one: 409; B none yet)
    ("POST", "/api/org/districts/<int:district_id>/admins"): E(
        district_ids, *["403 403 403 403"] * 5,
        city={Role.city_admin: "- 409 409 201", Role.city_supervisor: NONE_403, Role.city_trainer: NONE_403},
        body=lambda ids: {"badge_no": f"M{uuid.uuid4().hex[:12]}", "name": "首位管理员", "password": "matrix-pass-1"}
    ),
    ("PUT", "/api/org/squads/<int:squad_id>/town"): E(
        squad_ids, "403 403 403 403", "403 403 403 403", "- 200 200 404", "- 403 403 403", "- 403 403 403",
        body={"town_id": None}
    ),
    ("GET", "/api/org/officers/<int:officer_id>"): E(
        officer_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/supervision/findings/<int:finding_id>"): E(
        finding_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/training/banks/<int:bank_id>/questions"): E(
        bank_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>"): E(
        live_class_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/attendance"): E(
        live_class_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/attendance.csv"): E(
        live_class_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/drill-leaderboard"): E(
        live_class_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/head-count"): E(
        live_class_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/qr.png"): E(
        live_class_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/quiz"): E(
        live_class_ids, "204 204 204 404", "204 204 204 404", "204 204 204 404", "204 204 204 404", "204 204 204 404"
    ),
    ("GET", "/api/training/live-classes/<int:live_class_id>/screen"): E(
        live_class_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/officers/<int:officer_id>/attendance"): E(
        officer_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/officers/<int:officer_id>/attendance.csv"): E(
        officer_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("PATCH", "/api/duty/posts/<int:post_id>"): E(
        post_ids,
        "403 403 403 403",
        "200 200 404 404",
        "200 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
        body={"name": "新名称"},
    ),
    ("PATCH", "/api/duty/shifts/<int:shift_id>"): E(
        shift_ids,
        "403 403 403 403",
        "200 409 404 404",
        "- 409 409 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"duty_type": "standby"},
    ),
    ("PATCH", "/api/org/squads/<int:squad_id>"): E(
        squad_ids,
        "403 403 403 403",
        "403 403 403 403",
        "- 200 200 404",
        "- 403 403 403",
        "- 403 403 403",
        body=lambda ids: {"name": f"矩阵中队 {ids['squad_id']}"},
    ),
    ("PATCH", "/api/org/officers/<int:officer_id>"): E(
        officer_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
        body={"phone": "13912345678"},
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/accept"): E(
        complaint_ids, "403 403 403 403", "200 200 404 404", "200 200 200 404", "403 403 403 403", "403 403 403 403"
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/assign"): E(
        complaint_ids,
        "403 403 403 403",
        "200 200 404 404",
        "422 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
        body=lambda ids: {"officer_id": ids["owner_id"]},
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/close"): E(
        complaint_ids, "403 403 403 403", "409 409 404 404", "409 409 409 404", "403 403 403 403", "403 403 403 403"
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/reject"): E(
        complaint_ids,
        "403 403 403 403",
        "200 200 404 404",
        "200 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
        body={"reason": "不属城管管辖"},
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/replies"): E(
        complaint_ids,
        "409 404 404 404",
        "409 403 404 404",
        "409 403 403 404",
        "409 403 403 404",
        "409 403 403 404",
        body={"message": "已到场处置"},
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/resolve"): E(
        complaint_ids,
        "409 404 404 404",
        "409 403 404 404",
        "409 403 403 404",
        "409 403 403 404",
        "409 403 403 404",
        body={"reply": "已劝离并清理"},
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/start"): E(
        complaint_ids, "409 404 404 404", "409 403 404 404", "409 403 403 404", "409 403 403 404", "409 403 403 404"
    ),
    ("POST", "/api/community/complaints/<int:complaint_id>/transfer"): E(
        complaint_ids,
        "403 403 403 403",
        "422 422 404 404",
        "422 422 422 404",
        "403 403 403 403",
        "403 403 403 403",
        body={"squad_id": 2**31 - 1, "reason": "属地管辖"},
    ),
    ("POST", "/api/community/offices/<int:office_id>/qr"): E(
        office_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "403 403 403 403"
    ),
    ("POST", "/api/duty/checks/<int:check_id>/decision"): E(
        check_ids,
        "403 403 403 403",
        "403 200 404 404",
        "- 200 200 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"approve": True},
    ),
    ("POST", "/api/evidence/<int:evidence_id>/exports"): E(
        evidence_ids,
        "200 404 404 404",
        "200 200 404 404",
        "200 200 200 404",
        "200 404 404 404",
        "200 404 404 404",
        body={"reason": "对外公开通报"},
    ),
    ("POST", "/api/training/banks/<int:bank_id>/questions"): E(
        bank_ids,
        "403 403 403 403",
        "403 403 403 403",
        "201 201 201 404",
        "403 403 403 403",
        "201 201 201 404",
        body=lambda ids: {
            "kind": "single",
            "stem": f"题目{uuid.uuid4().hex[:8]}",
            "options": ["甲", "乙"],
            "answer": [0],
        },
    ),
    ("POST", "/api/training/live-classes/<int:live_class_id>/heartbeat"): E(
        live_class_ids, "409 409 409 404", "409 409 409 404", "409 409 409 404", "409 409 409 404", "409 409 409 404"
    ),
    ("POST", "/api/training/live-classes/<int:live_class_id>/join"): E(
        live_class_ids,
        "200 200 200 404",
        "200 200 200 404",
        "200 200 200 404",
        "200 200 200 404",
        "200 200 200 404",
        body=lambda ids: {"sig": join_signature(ids["live_class_id"])},
    ),
    ("POST", "/api/training/live-classes/<int:live_class_id>/leave"): E(
        live_class_ids, "409 409 409 404", "409 409 409 404", "409 409 409 404", "409 409 409 404", "409 409 409 404"
    ),
    ("POST", "/api/training/live-classes/<int:live_class_id>/quizzes"): E(
        live_class_with_question_ids,
        "403 403 403 403",
        "403 403 403 403",
        "201 201 201 404",
        "403 403 403 403",
        "201 201 201 404",
        body=lambda ids: {"question_id": ids["question_id"], "seconds": 30},
    ),
    ("PUT", "/api/training/questions/<int:question_id>"): E(
        question_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "200 200 200 404",
        body={"kind": "single", "stem": "执法时应当出示什么？", "options": ["执法证件", "工作证"], "answer": [0]},
    ),
    ("POST", "/api/training/questions/<int:question_id>/deactivate"): E(
        question_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("GET", "/api/training/papers/<int:paper_id>/questions"): E(
        paper_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403", "200 200 200 404"
    ),
    ("POST", "/api/training/banks/<int:bank_id>/import"): E(
        bank_ids,
        "403 403 403 403",
        "403 403 403 403",
        "201 201 201 404",
        "403 403 403 403",
        "201 201 201 404",
        form=question_sheet_form,
    ),
    ("POST", "/api/training/courses/<int:course_id>/materials"): E(
        course_ids,
        "403 403 403 403",
        "403 403 403 403",
        "201 201 201 404",
        "403 403 403 403",
        "201 201 201 404",
        form=material_form,
    ),
    ("GET", "/api/training/courses/<int:course_id>/materials/<int:material_id>/file"): E(
        material_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("POST", "/api/training/drills/<int:drill_id>/photo-attempts"): E(
        drill_ids,
        "201 201 201 404",
        "201 201 201 404",
        "201 201 201 404",
        "201 201 201 404",
        "201 201 201 404",
        form=gesture_photo_form,
    ),
    ("GET", "/api/training/drill-attempts/<int:attempt_id>"): E(
        drill_attempt_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/training/drill-attempts/<int:attempt_id>/image.jpg"): E(
        drill_attempt_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    # points: writes need If-Match; the makers hand over the ETag the owner reads
    ("GET", "/api/points/monthly/<int:sheet_id>"): E(
        sheet_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("GET", "/api/points/monthly/<int:sheet_id>/explain"): E(
        sheet_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("POST", "/api/points/monthly/<int:sheet_id>/adjustments"): E(
        sheet_ids,
        "403 403 403 403",
        "403 201 404 404",
        "- 201 201 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"points": "1", "reason": "协助处置突发事件"},
    ),
    ("POST", "/api/points/monthly/<int:sheet_id>/review"): E(
        sheet_ids, "403 403 403 403", "403 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403"
    ),
    ("POST", "/api/points/monthly/<int:sheet_id>/publish"): E(
        sheet_ids, "403 403 403 403", "403 409 404 404", "- 409 409 404", "- 403 403 403", "- 403 403 403"
    ),
    ("POST", "/api/points/monthly/<int:sheet_id>/lock"): E(
        sheet_ids, "403 403 403 403", "403 403 403 403", "- 409 409 404", "- 403 403 403", "- 403 403 403"
    ),
    ("POST", "/api/points/squads/<int:squad_id>/monthly/review"): E(
        squad_ids,
        "403 403 403 403",
        "200 200 404 404",
        "- 200 200 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"month": "2026-11"},
    ),
    ("POST", "/api/points/squads/<int:squad_id>/monthly/publish"): E(
        squad_ids,
        "403 403 403 403",
        "200 200 404 404",
        "- 200 200 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"month": "2026-11"},
    ),
    ("GET", "/api/points/quarterly/<int:evaluation_id>"): E(
        quarterly_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("POST", "/api/points/quarterly/<int:evaluation_id>/confirm"): E(
        quarterly_ids,
        "403 403 403 403",
        "403 200 404 404",
        "- 200 200 404",
        "- 403 403 403",
        "- 403 403 403",
        body={"rating": "good"},
    ),
    ("GET", "/api/points/yearly/<int:appraisal_id>"): E(
        yearly_ids, "200 404 404 404", "200 200 404 404", "- 200 200 404", "- 200 200 404", "- 200 200 404"
    ),
    ("POST", "/api/points/yearly/<int:appraisal_id>/confirm"): E(
        yearly_ids, "403 403 403 403", "403 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403"
    ),
    ("GET", "/api/inspections/objects/<int:object_id>"):
        E(inspection_object_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("PUT", "/api/inspections/objects/<int:object_id>"):
        E(inspection_object_ids, "403 403 403 403", "200 200 404 404", "200 200 200 404", "403 403 403 403",
          "403 403 403 403", body=lambda ids: {"kind": ids["kind"], "name": "老王面馆", "address": "南京西路 1 号",
                                               "credit_code": ids["credit_code"], "squad_id": ids["squad_id"]}),
    ("DELETE", "/api/inspections/objects/<int:object_id>"):
        E(inspection_object_ids, "403 403 403 403", "204 204 404 404", "204 204 204 404", "403 403 403 403",
          "403 403 403 403"),
    ("GET", "/api/inspections/objects/<int:object_id>/grades"):
        E(inspection_object_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("POST", "/api/inspections/objects/<int:object_id>/grades"):
        E(inspection_object_ids, "403 403 403 403", "201 201 404 404", "201 201 201 404", "403 403 403 403",
          "403 403 403 403", body={"grade": "high", "reason": "多次被投诉"}),
    # credit: squad managers record penalties and applications for repair, another administrator approves
    ("GET", "/api/inspections/objects/<int:object_id>/credit-penalties"):
        E(inspection_object_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("POST", "/api/inspections/objects/<int:object_id>/credit-penalties"):
        E(inspection_object_ids, "403 403 403 403", "201 201 404 404", "201 201 201 404", "403 403 403 403",
          "403 403 403 403", body={"reason": "失信", "decided_on": "2026-01-05"}),
    ("POST", "/api/inspections/credit-penalties/<int:penalty_id>/repairs"):
        E(credit_penalty_ids, "403 403 403 403", "201 201 404 404", "201 201 201 404", "403 403 403 403",
          "403 403 403 403", body={"reason": "已整改"}),
    ("POST", "/api/inspections/credit-repairs/<int:repair_id>/decision"):
        E(credit_repair_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403",
          "403 403 403 403", body={"approve": True}),
    # plans and draws: district administrators plan and draw; a draw is open to the whole district (一公开);
    # one of the two drawn inspectors records the result
    ("POST", "/api/inspections/plans/<int:plan_id>/draws"):
        E(inspection_plan_ids, "403 403 403 403", "403 403 403 403", "201 201 201 404", "403 403 403 403",
          "403 403 403 403", body={}),
    ("POST", "/api/inspections/plans/<int:plan_id>/close"):
        E(inspection_plan_ids, "403 403 403 403", "403 403 403 403", "200 200 200 404", "403 403 403 403",
          "403 403 403 403", body={}),
    ("GET", "/api/inspections/draws/<int:draw_id>"):
        E(inspection_draw_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("GET", "/api/inspections/draws/<int:draw_id>/inputs"):
        E(inspection_draw_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("POST", "/api/inspections/draws/<int:draw_id>/verification"):
        E(inspection_draw_ids, "200 200 200 404", "200 200 200 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404", body={}),
    ("GET", "/api/inspections/inspections/<int:inspection_id>"):
        E(inspection_draw_ids, "200 200 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404",
          "200 200 200 404"),
    ("GET", "/api/inspections/inspections/<int:inspection_id>/photos/<int:photo_id>"):
        E(inspection_photo_ids, "200 403 404 404", "200 200 404 404", "200 200 200 404", "200 403 403 404",
          "200 403 403 404"),
    ("POST", "/api/inspections/inspections/<int:inspection_id>/result"):
        E(inspection_draw_ids, "201 409 404 404", "201 409 404 404", "201 409 409 404", "201 409 409 404",
          "201 409 409 404", body={"checklist": [{"item": "占道经营", "passed": True}]}),
    ("POST", "/api/inspections/inspections/<int:inspection_id>/photos"):
        E(inspection_draw_ids, "201 409 404 404", "201 409 404 404", "201 409 409 404", "201 409 409 404",
          "201 409 409 404", form=inspection_photo_form),
    # the outbox: district staff see and resend their district's messages
    ("GET", "/api/outbox/messages/<int:message_id>"): E(
        outbox_message_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
    ),
    ("POST", "/api/outbox/messages/<int:message_id>/resend"): E(
        outbox_message_ids,
        "403 403 403 403",
        "403 403 403 403",
        "200 200 200 404",
        "403 403 403 403",
        "403 403 403 403",
    ),
    ("GET", "/api/orders/<int:order_id>"): E(
        work_order_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 200 200 404", "200 200 200 404"
    ),
    ("GET", "/api/orders/<int:order_id>/suggestions"): E(
        work_order_ids, "403 403 403 403", "200 200 404 404", "200 200 200 404", "403 403 403 403", "403 403 403 403"
    ),
    ("POST", "/api/orders/<int:order_id>/actions"): E(
        work_order_ids,
        "403 404 404 404",
        "200 200 404 404",
        "200 200 200 404",
        "403 403 403 404",
        "403 403 403 404",
        body={"action": "accept"},
    ),
    # a repeat's 督办 is closed by the squad's leader (or the district's administrator), once checked
    ("POST", "/api/orders/repeats/<int:repeat_id>/close"): E(
        repeat_ids, "403 403 403 403", "200 200 404 404", "200 200 200 404", "403 403 403 403", "403 403 403 403",
        body={"finding": "handled", "note": "已现场核查并再次处置"}),
    # on-site evidence on an order: its handler, or the squad's managers (who may take every step of an order)
    ("POST", "/api/orders/<int:order_id>/evidence"): E(
        assigned_work_order_ids, "201 404 404 404", "201 201 404 404", "- 201 201 404", "- 403 403 404",
        "- 403 403 404", form=evidence_form),
    ("POST", "/api/orders/<int:order_id>/evidence/wechat"): E(
        assigned_work_order_ids, "201 404 404 404", "201 201 404 404", "- 201 201 404", "- 403 403 404",
        "- 403 403 404", body=lambda ids: {"media_id": MEDIA_ID, "client_id": str(uuid.uuid4()),
                                           "captured_at": utcnow().isoformat(), "lat": 31.2231, "lng": 121.4453}),
    # camera alerts: the squad's leader and the district's administrators triage them
    ("GET", "/api/nonsite/alerts/<int:alert_id>"):
        E(alert_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/alerts/<int:alert_id>/triage"):
        E(alert_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          body={"decision": "confirmed", "reason": "图像清晰，车牌可辨"}, reviewer="- 403 403 403"),
    # non-site cases: the squad's leader handles them, the district's legal reviewers review them (法制审核)
    ("GET", "/api/nonsite/cases/<int:case_id>"):
        E(nonsite_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          reviewer="- 200 200 404"),
    ("GET", "/api/nonsite/cases/<int:case_id>/timeline"):
        E(nonsite_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          reviewer="- 200 200 404"),
    ("POST", "/api/nonsite/cases/<int:case_id>/submit"):
        E(nonsite_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          body={"facts": "渣土车未密闭", "legal_basis": "条例", "fine": 2000}, reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/cases/<int:case_id>/review"):
        E(nonsite_case_in_review_ids, "403 403 403 403", "403 403 403 403", "- 403 403 403", "- 403 403 403",
          "- 403 403 403", body={"approve": False, "comment": "证据不足"}, reviewer="- 200 200 404"),
    # 不予立案 / 撤案: the squad's leader proposes, a legal reviewer of the district approves
    ("POST", "/api/nonsite/cases/<int:case_id>/end"):
        E(nonsite_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403", "- 403 403 403",
          body={"reason": "车辆系执行应急任务"}, reviewer="- 403 403 403"),
    # 告知后不予处罚 (a case whose notice went out) and 撤销处罚决定 (a decided case): the squad's leader proposes
    ("POST", "/api/nonsite/cases/<int:case_id>/drop"):
        E(nonsite_noticed_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403",
          "- 403 403 403", body={"reason": "当事人陈述申辩成立"}, reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/cases/<int:case_id>/revoke"):
        E(nonsite_decided_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403",
          "- 403 403 403", body={"reason": "适用法律错误"}, reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/cases/<int:case_id>/end/review"):
        E(nonsite_case_ending_ids, "403 403 403 403", "403 403 403 403", "- 403 403 403", "- 403 403 403",
          "- 403 403 403", body={"approve": True, "comment": "同意撤案"}, reviewer="- 200 200 404"),
    # the case file (案卷) of a closed case
    ("GET", "/api/nonsite/cases/<int:case_id>/archive"):
        E(nonsite_closed_case_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403",
          "- 403 403 403", reviewer="- 200 200 404"),
    ("POST", "/api/nonsite/cases/<int:case_id>/decide"):
        E(nonsite_case_ids, "403 403 403 403", "409 409 404 404", "- 409 409 404", "- 403 403 403", "- 403 403 403",
          reviewer="- 403 403 403"),
    ("GET", "/api/nonsite/documents/<int:document_id>/pdf"):
        E(nonsite_document_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403",
          "- 403 403 403", reviewer="- 200 200 404"),
    # post (邮寄) and its 送达回证: the squad's leader (a fresh notice: posted 200; not posted: receipt 409)
    ("POST", "/api/nonsite/documents/<int:document_id>/post"):
        E(nonsite_document_ids, "403 403 403 403", "200 200 404 404", "- 200 200 404", "- 403 403 403",
          "- 403 403 403", body={"method": "ems", "tracking_number": "1151234567890"}, reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/documents/<int:document_id>/receipt"):
        E(nonsite_document_ids, "403 403 403 403", "409 409 404 404", "- 409 409 404", "- 403 403 403",
          "- 403 403 403", body={"received_on": "2026-12-01"}, reviewer="- 403 403 403"),
    ("POST", "/api/nonsite/cases/<int:case_id>/close"):
        E(nonsite_case_ids, "403 403 403 403", "409 409 404 404", "- 409 409 404", "- 403 403 403", "- 403 403 403",
          reviewer="- 403 403 403"),
})


# An inspection photo is evidence in its inspector's chain (migration 0190), so the evidence API opens it by the
# evidence rules: the inspector, the inspector's own squad leader, the district administrators; the object's squad
# leader opens it by the inspection's photo route instead. PIPL's minimum necessary, decided: the squad leader
# answers for how their officers collect evidence (执法全过程记录: the leader reviews the squad's records, with each
# opening in the custody log), and an inspection photo is such a record; drawn across squads, the inspector's
# leader would otherwise be the one person accountable for the officer's conduct who cannot see it. No one else:
# the colleague, the supervisor, the trainer and the observers get 404 as for any evidence not theirs.
INSPECTION_PHOTO_AS_EVIDENCE: dict[tuple[str, str], Endpoint] = {
    ("GET", f"/api/evidence/<int:evidence_id>{tail}"): E(
        inspection_photo_evidence_ids, "200 404 404 404", "200 200 404 404", "200 200 200 404", "200 404 404 404",
        "200 404 404 404", city=NONE_404, town=NONE_404)
    for tail in ("", "/custody", "/original", "/thumbnail", "/watermarked")
}


def _url(rule: str, ids: dict) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m[1]]), rule)


def _call(client, method: str, rule: str, endpoint: Endpoint, ids: dict, headers: dict):
    """One request of `endpoint` on the objects `ids`, with its body or form, its query and, where the maker
    handed one over, the object's ETag."""
    def given(value):
        return value(ids) if callable(value) else value

    payload = ({"data": endpoint.form(ids), "content_type": "multipart/form-data"} if endpoint.form else
               {"json": given(endpoint.body)})
    if "if_match" in ids:
        headers = {**headers, "If-Match": ids["if_match"]}
    return client.open(_url(rule, ids), method=method, query_string=given(endpoint.query), headers=headers,
                       **payload)


@pytest.mark.parametrize("key", sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)])
def test_who_may_reach_which_object(key, client, make, world):
    _reach(key, MATRIX[key], client, make, world)


@pytest.mark.parametrize("key", sorted(INSPECTION_PHOTO_AS_EVIDENCE),
                         ids=[f"{m} {r}" for m, r in sorted(INSPECTION_PHOTO_AS_EVIDENCE)])
def test_who_may_open_an_inspection_photo_through_the_evidence_api(key, client, make, world):
    _reach(key, INSPECTION_PHOTO_AS_EVIDENCE[key], client, make, world)


def _reach(key, endpoint: Endpoint, client, make, world) -> None:
    """Each role's caller on the object of each owner (own, squad, other squad, other district): the statuses."""
    method, rule = key
    observed, wanted = {}, {}
    for role in endpoint.expected:
        for where, expected in zip(WHERE, endpoint.expected[role].split(), strict=True):
            if role in OBSERVER_ROLES and where == "own":
                observed[(role.value, where)], wanted[(role.value, where)] = "-", expected
                continue
            ids = endpoint.make(make, client, owner_of(world, role, where))
            got = "-" if ids is None else str(_call(client, method, rule, endpoint, ids,
                                                    make.headers(world.callers[role])).status_code)
            observed[(role.value, where)], wanted[(role.value, where)] = got, expected
    wrong = {cell: f"expected {wanted[cell]}, got {got}" for cell, got in observed.items() if got != wanted[cell]}
    assert not wrong, f"{method} {rule}: {wrong}"


def id_endpoints(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if re.search(r"<int:\w*id>", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_legal_reviewers_column_is_given_where_they_work():
    missing = [rule for (_, rule), endpoint in MATRIX.items()
               if rule.startswith("/api/nonsite/") and Role.legal_reviewer not in endpoint.expected]
    assert not missing, f"give these rows the legal reviewer's column (reviewer=...): {missing}"


def test_every_id_endpoint_is_in_the_matrix(app):
    missing = id_endpoints(app) - set(MATRIX)
    assert not missing, f"add these endpoints to MATRIX in {__file__}: {sorted(missing)}"
    assert not set(MATRIX) - id_endpoints(app), "MATRIX names endpoints that no longer exist"
