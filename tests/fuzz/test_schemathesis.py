"""Schema fuzzing: every operation of the OpenAPI document, each generated request sent as each role; then
schemathesis' coverage phase, boundary and negative values (the ends of every range, just past them, wrong types,
missing and unknown fields) for every operation, each sent as the first role that gets past authorization, and
again with every integer beyond 64 bits and every date and time at the calendar's end.

Checks: no server error, and every response conforms to the schema the document gives for it.
Bounded and derandomized (FUZZ_MAX_EXAMPLES per operation, default 10: about 1½ minutes on PostgreSQL, 2 cores;
the coverage phase generates a fixed set of cases per operation) so CI runs both every time. A failure prints the
request to reproduce.
"""
from __future__ import annotations

import os
import re
import zlib
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import update

from backend.db import session, utcnow
from backend.org.models import Officer, Role
from tests.authz import makers as objects
from tests.factories import Factory

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance]
# The boundary cases go to the first of these that the operation lets past authorization (401/403 come before
# any input is read); the administrator reaches most operations, the officer his own duty and training.
BOUNDARY_ROLES = [Role.district_admin, Role.officer, Role.trainer, Role.supervisor, Role.squad_leader]
# Each phase runs as SHARDS tests, each over the operations whose "METHOD /path" hashes to it (crc32, so the split
# is the same on every run): together they cover every operation, and pytest-xdist runs them side by side.
SHARDS = 4


def _loaded_schema(app, *, coverage: bool):
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    loaded.config.phases.coverage.enabled = coverage
    return loaded


_SHARD = {}  # the shard each phase's fixture chose for the test now running


def _in_shard(phase: str):
    """The operations whose "METHOD /path" hashes to the shard `phase`'s fixture chose. A filter on the lazy
    schema: schemathesis' pytest loader clones the fixture's schema with the lazy schema's filters only, so a
    filter on the fixture's schema was dropped and every shard ran every operation."""
    return lambda ctx: zlib.crc32(ctx.operation.label.encode()) % SHARDS == _SHARD[phase]


@pytest.fixture(params=range(SHARDS), ids=lambda shard: f"shard{shard}")
def fuzz_schema(_committed_app_once, request):
    _SHARD["fuzz"] = request.param
    return _loaded_schema(_committed_app_once, coverage=False)


@pytest.fixture(params=range(SHARDS), ids=lambda shard: f"shard{shard}")
def boundary_schema(_committed_app_once, request):
    _SHARD["boundary"] = request.param
    return _loaded_schema(_committed_app_once, coverage=True)


schema = schemathesis.pytest.from_fixture("fuzz_schema").include(_in_shard("fuzz"))
boundaries = schemathesis.pytest.from_fixture("boundary_schema").include(_in_shard("boundary"))


@pytest.fixture
def world(committed_app):
    """One person per role in district A (officer and leader in squad A1), others beside them, and objects
    of the officer's (made when an operation's URL first asks for that kind of id)."""
    make = Factory()
    squad = make.squad()
    make.officer(squad=make.squad(squad.district))
    make.officer()
    people = {role: make.officer(role, squad=squad if role in (Role.officer, Role.squad_leader) else None,
                                 district=squad.district) for role in Role}
    return {"make": make, "people": people, "headers": {role: make.headers(p) for role, p in people.items()},
            "ids": {}, "client": committed_app.test_client()}


def _real_id(world, name: str) -> int | None:
    """The id of a real object of the officer's for a path parameter named `name` (None: no such maker)."""
    make, officer, trainer = world["make"], world["people"][Role.officer], world["people"][Role.trainer]
    makers = {
        "officer_id": lambda: officer.id,
        "office_id": lambda: make.office(officer.squad).id,
        "complaint_id": lambda: make.complaint(make.office(officer.squad), assignee_id=officer.id).id,
        "post_id": lambda: make.post(officer.squad).id,
        "shift_id": lambda: make.shift(officer, utcnow() - timedelta(minutes=1), utcnow() + timedelta(hours=8)).id,
        "finding_id": lambda: make.finding(world["people"][Role.supervisor], officer).id,
        "case_id": lambda: make.case_record(officer, discovered_on=date.today() - timedelta(days=3)).id,
        "live_class_id": lambda: (
            make.live_class(trainer, utcnow() - timedelta(minutes=5), utcnow() + timedelta(hours=2)).id
        ),
        "bank_id": lambda: make.question_bank(trainer).id,
    }
    by_api = {"evidence_id": objects.evidence_ids, "check_id": objects.check_ids, "notice_id": objects.notice_ids,
              "paper_id": objects.paper_ids, "attempt_id": objects.attempt_ids, "drill_id": objects.drill_ids,
              "quiz_id": objects.quiz_ids, "course_id": objects.course_ids, "squad_id": objects.squad_ids,
              "sheet_id": objects.sheet_ids, "evaluation_id": objects.quarterly_ids,
              "appraisal_id": objects.yearly_ids, "question_id": objects.question_ids,
              "material_id": objects.material_ids, "photo_id": objects.complaint_photo_ids,
              "message_id": objects.outbox_message_ids, "repeat_id": objects.repeat_ids}
    if name in by_api:
        makers[name] = lambda: by_api[name](make, world["client"], officer)[name]
    if name not in world["ids"] and name in makers:
        world["ids"][name] = makers[name]()
        session.commit()  # some factories only flush; the app's requests must see the row (and SQLite's lock)
    return world["ids"].get(name)


SESSION_ENDED = {"token_invalid", "token_expired", "officer_inactive"}


def _call_as(case, app, world, role: Role):
    """The case sent as `role`'s person: signed in again (and active again) first if an earlier case ended their
    session (a logout, a deactivation, a password reset revokes the token), so that each case reaches the role it
    is sent as, not a 401 for the rest of the run. Returns the response and the headers it was sent with."""
    response = case.call(app=app, headers=world["headers"][role])
    if response.status_code == 401 and response.json().get("error") in SESSION_ENDED:
        person = world["people"][role]
        session.execute(update(Officer).where(Officer.id == person.id).values(active=True))
        world["headers"][role] = world["make"].headers(person)
        response = case.call(app=app, headers=world["headers"][role])
    return response, world["headers"][role]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_as_every_role(case, committed_app, world):
    """Each generated request as each role; then, where the URL takes ids of kinds we can make, on real objects."""
    assert zlib.crc32(case.operation.label.encode()) % SHARDS == _SHARD["fuzz"]  # each operation in one shard
    generated = dict(case.path_parameters or {})
    real = {name: _real_id(world, name) for name in generated}
    variants = [generated] + ([{**generated, **real}] if generated and None not in real.values() else [])
    for path_parameters in variants:
        case.path_parameters = path_parameters
        for role in Role:
            response, headers = _call_as(case, committed_app, world, role)
            case.validate_response(response, checks=CHECKS, headers=headers)


@boundaries.parametrize()
@settings(deadline=None, database=None, phases=[Phase.explicit], suppress_health_check=list(HealthCheck))
def test_boundary_and_negative_data_on_every_operation(case, committed_app, world):
    """Each coverage case on real objects where the URL takes ids we can make, as the first role let in."""
    assert zlib.crc32(case.operation.label.encode()) % SHARDS == _SHARD["boundary"]  # each operation in one shard
    real = {name: _real_id(world, name) for name in case.path_parameters or {}}
    case.path_parameters = {**case.path_parameters, **{name: id_ for name, id_ in real.items() if id_ is not None}} \
        if case.path_parameters else case.path_parameters
    for role in BOUNDARY_ROLES:
        response, headers = _call_as(case, committed_app, world, role)
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code not in (401, 403):
            break
    hostile = _hostile(case.body), _hostile(case.query)
    if hostile != (case.body, case.query):  # the same case with what the schema's bounds are there to refuse
        case.body, case.query = hostile
        case.validate_response(case.call(app=committed_app, headers=headers), checks=CHECKS, headers=headers)


DAY, MOMENT = re.compile(r"^\d{4}-\d\d-\d\d$"), re.compile(r"^\d{4}-\d\d-\d\dT")


def _hostile(value):
    """`value` with every integer beyond 64 bits, every date at the calendar's end, every time there at -23:59."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return 2**64 + 1
    if isinstance(value, str):
        return "9999-12-31T23:59:59-23:59" if MOMENT.match(value) else "9999-12-31" if DAY.match(value) else value
    if isinstance(value, dict):
        return {name: _hostile(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_hostile(item) for item in value]
    return value
