"""What the city-wide training tests share (issue 22): districts A and B, one caller of every role (of district A; the
city's staff of none), and a row of every role's outcome for one call: the status, with the machine code of a 403
that is not the plain role refusal."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from backend.db import utcnow
from backend.org.models import Officer, Role

ROLES = [Role.officer, Role.squad_leader, Role.district_admin, Role.supervisor, Role.trainer, Role.legal_reviewer,
         Role.city_admin, Role.city_supervisor, Role.city_trainer, Role.town_leader]
# The refusals, by machine code: a role that may not write training at all, an observer's read-only role, a
# district's staff on a city-wide record, the city trainer on a district's record.
ROLE, READ_ONLY, CITY_WIDE, DISTRICT = "403 role_forbidden", "403 read_only_role", "403 city_wide_training", \
    "403 district_training"


@dataclass
class World:
    callers: dict[Role, Officer]
    city_trainer: Officer
    trainer_a: Officer
    officer_a: Officer
    officer_b: Officer


def build_world(make) -> World:
    a1 = make.squad()
    b1 = make.squad()
    callers = {role: make.officer(role, squad=a1 if role in (Role.officer, Role.squad_leader) else None,
                                  district=a1.district) for role in ROLES if role != Role.town_leader}
    callers[Role.town_leader] = make.officer(Role.town_leader, town=make.town(a1.district, a1))
    return World(callers, callers[Role.city_trainer], callers[Role.trainer], make.officer(squad=a1),
                 make.officer(squad=b1))


def add_course(client, make, author: Officer, **extra) -> dict:
    response = client.post("/api/training/courses", headers=make.headers(author), json={
        "title": "城管执法文书规范", "category": "classroom", "credit_hours": 2, **extra})
    assert response.status_code == 201, response.json
    return response.json


def add_live_class(client, make, author: Officer) -> dict:
    starts = utcnow() - timedelta(minutes=10)
    response = client.post("/api/training/live-classes", headers=make.headers(author), json={
        "title": "全市执法规范直播课", "classroom": "市局智慧教室", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "category": "classroom", "credit_hours": "2.0"})
    assert response.status_code == 201, response.json
    return response.json


def add_question(client, make, author: Officer) -> int:
    headers = make.headers(author)
    bank = client.post("/api/training/banks", headers=headers, json={"name": "题库"})
    assert bank.status_code == 201, bank.json
    question = client.post(f"/api/training/banks/{bank.json['id']}/questions", headers=headers, json={
        "kind": "single", "stem": f"执法时应当出示什么？{bank.json['id']}", "options": ["执法证件", "工作证"],
        "answer": [0]})
    assert question.status_code == 201, question.json
    return question.json["id"]


def seen(response) -> str:
    """A status, with the machine code of a 403 (whose refusal it is matters here)."""
    if response.status_code == 403:
        return f"403 {response.json['error']}"
    return str(response.status_code)


def check(world, make, call, expected: dict[Role, str]):
    assert set(expected) == set(ROLES), "every role has its cell"
    got = {role: seen(call(make.headers(world.callers[role]))) for role in ROLES}
    wrong = {role.value: f"expected {expected[role]}, got {got[role]}" for role in ROLES if got[role] != expected[role]}
    assert not wrong, wrong


def row(officer, leader, admin, supervisor, trainer, reviewer, city_admin, city_supervisor, city_trainer, town):
    return dict(zip(ROLES, (officer, leader, admin, supervisor, trainer, reviewer, city_admin, city_supervisor,
                            city_trainer, town), strict=True))
