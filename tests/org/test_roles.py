"""Role rules live in one place (backend/org/roles.py) and every domain operation enforces its own:
a CLI command or a job calling it directly with the wrong person is refused as a request would be."""
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from backend import outbox
from backend.db import session
from backend.errors import Forbidden
from backend.org.models import Role
from backend.org.roles import Operator
from backend.supervision.cases.models import Case
from backend.supervision.cases.operations import import_cases
from backend.supervision.points import appraisal
from backend.supervision.points import operations as points
from backend.supervision.points.models import MonthlyPoints, QuarterlyEvaluation, YearlyAppraisal
from backend.training.exams import operations as exams
from backend.training.exams.models import PaperMode
from backend.training.live import quizzes

BACKEND = Path(__file__).resolve().parents[2] / "backend"
ROLE = r"Role\.[a-z_]+"
# A collection of two or more roles written out: a set, tuple or list literal, or frozenset({...}).
ROLE_SET = re.compile(rf"frozenset\(\s*[{{\[(]\s*{ROLE}|[{{\[(]\s*{ROLE}\s*,\s*\*?{ROLE}")
# A decorator naming roles one by one instead of a set from backend/org/roles.py.
INLINE_DECORATOR = re.compile(rf"auth_required\([^)]*{ROLE}")


def test_no_module_outside_org_defines_its_own_set_of_roles():
    offenders = []
    for path in sorted(BACKEND.rglob("*.py")):
        if path.parent.name == "org" and path.parent.parent == BACKEND:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (ROLE_SET, INLINE_DECORATOR):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(BACKEND.parent)}:{line}: {match.group(0)}")
    assert offenders == [], "name the set in backend/org/roles.py and use it:\n" + "\n".join(offenders)


def test_the_meta_test_sees_role_sets_written_out():
    for written in ("LEADERS = (Role.squad_leader, Role.district_admin)",
                    "MANAGERS = frozenset({Role.trainer, Role.district_admin})",
                    "Officer.role.in_([Role.officer, Role.squad_leader])",
                    "@auth_required(blp, Role.district_admin)"):
        assert ROLE_SET.search(written) or INLINE_DECORATOR.search(written), written


# -- points: what a leader (or district administrator) does, refused to a trainer ------------------

MONTH = date(2026, 10, 1)


@pytest.fixture
def points_world(make):
    """An officer's October sheet, its quarter and year; a leader of the squad and a trainer."""
    officer = make.officer()
    leader = make.officer(Role.squad_leader, squad=officer.squad)
    trainer = make.officer(Role.trainer, district=officer.district)
    points.refresh_month(MONTH, officer_ids=[officer.id])
    sheet = session.scalar(select(MonthlyPoints).where(MonthlyPoints.officer_id == officer.id))
    evaluation = session.scalar(select(QuarterlyEvaluation).where(QuarterlyEvaluation.officer_id == officer.id))
    yearly = session.scalar(select(YearlyAppraisal).where(YearlyAppraisal.officer_id == officer.id))
    assert sheet is not None and evaluation is not None and yearly is not None
    return {"officer": officer, "leader": leader, "trainer": trainer, "sheet": sheet,
            "evaluation": evaluation, "yearly": yearly}


POINTS_OPERATIONS = {
    "record_manual_item": lambda w, actor: points.record_manual_item(
        actor, officer_id=w["officer"].id, day=MONTH, item="commendation", quantity=Decimal(1), note="表扬"),
    "add_adjustment": lambda w, actor: points.add_adjustment(actor, w["sheet"], points=Decimal(1), reason="补正"),
    "review": lambda w, actor: points.review(actor, w["sheet"]),
    "publish": lambda w, actor: points.publish(actor, w["sheet"]),
    "review_squad": lambda w, actor: points.for_squad(actor, w["officer"].squad, MONTH, points.review),
    "publish_squad": lambda w, actor: points.for_squad(actor, w["officer"].squad, MONTH, points.publish),
    "confirm_quarter": lambda w, actor: appraisal.confirm_quarter(actor, w["evaluation"], "good"),
    "confirm_year": lambda w, actor: appraisal.confirm_year(actor, w["yearly"]),
}


@pytest.mark.parametrize("operation", POINTS_OPERATIONS)
def test_points_operations_refuse_a_trainer_called_directly(points_world, operation):
    with pytest.raises(Forbidden) as refused:
        POINTS_OPERATIONS[operation](points_world, points_world["trainer"])
    assert refused.value.code == "role_forbidden"
    assert session.get(MonthlyPoints, points_world["sheet"].id).state.value == "draft"


@pytest.mark.parametrize("operation, wrong", [("create_rule", Role.squad_leader), ("lock", Role.squad_leader)])
def test_district_administrators_rules_refuse_a_leader_called_directly(points_world, operation, wrong):
    leader = points_world["leader"]
    assert leader.role == wrong
    with pytest.raises(Forbidden) as refused:
        if operation == "create_rule":
            points.create_rule(leader, item="commendation", category="bonus", points_per_unit=Decimal(9),
                               monthly_cap=None, effective_from=MONTH)
        else:
            points.lock(leader, points_world["sheet"])
    assert refused.value.code == "role_forbidden"


def test_a_leader_still_reviews_and_publishes_directly(points_world):
    """The rule refuses the wrong role only: the right one goes through the same call."""
    sheet = points_world["sheet"]
    points.review(points_world["leader"], sheet)
    points.publish(points_world["leader"], sheet)
    assert sheet.state.value == "published"


# -- training: exams and quizzes are for the squads' people ----------------------------------------

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def test_a_trainer_cannot_start_an_exam_attempt_directly(make):
    trainer = make.officer(Role.trainer)
    bank = make.question_bank(trainer)
    paper = exams.create_paper(trainer, title="法律知识考试", mode=PaperMode.fixed, time_limit_minutes=30,
                               max_attempts=2, pass_percent=60, category="online", credit_hours=Decimal("1.0"),
                               questions=[{"question_id": make.question(bank).id, "points": Decimal(1)}])
    with pytest.raises(Forbidden) as refused:
        exams.start_attempt(trainer, paper.id)
    assert refused.value.code == "role_forbidden"
    trainee = make.officer(squad=make.squad(trainer.district))
    assert exams.start_attempt(trainee, paper.id).officer_id == trainee.id


def test_a_trainer_cannot_answer_a_quiz_directly(make):
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        trainer = make.officer(Role.trainer)
        live_class = make.live_class(trainer, START, START + timedelta(hours=1))
        question = make.question(make.question_bank(trainer), kind="true_false", answer=[0])
        quiz = quizzes.push_quiz(trainer, live_class.id, question_id=question.id, seconds=30)
        with pytest.raises(Forbidden) as refused:
            quizzes.answer_quiz(trainer, quiz.id, [0])
    assert refused.value.code == "role_forbidden"


# -- case imports and the outbox -------------------------------------------------------------------

def case_row(officer) -> list[tuple[int, dict]]:
    return [(2, {"number": f"{officer.district.code}-1", "squad": officer.squad.name,
                 "officer_badge_no": officer.badge_no, "discovered_on": "2026-03-01"})]


@pytest.mark.parametrize("wrong", [Role.officer, Role.squad_leader, Role.trainer])
def test_a_case_import_refuses_anyone_but_supervising_staff_called_directly(make, wrong):
    officer = make.officer()
    actor = make.officer(wrong, squad=officer.squad if wrong != Role.trainer else None, district=officer.district)
    with pytest.raises(Forbidden) as refused:
        import_cases(actor, case_row(officer))
    assert refused.value.code == "role_forbidden"
    assert session.scalar(select(Case.id)) is None


def test_a_case_import_goes_through_for_a_supervisor_and_the_operator_at_the_console(make):
    officer = make.officer()
    assert import_cases(make.officer(Role.supervisor, district=officer.district), case_row(officer)).created == 1
    assert import_cases(Operator.at_console(officer.district), case_row(officer)).unchanged == 1


def test_a_resend_refuses_anyone_but_a_district_administrator_called_directly(make):
    officer = make.officer(wechat_userid="resend-1")
    [message] = outbox.enqueue("wechat.text_card", district_id=officer.district_id, recipients=["resend-1"],
                               title="通知", payload={})
    message.state, message.failures = outbox.DEAD, 3
    for wrong in (Role.supervisor, Role.squad_leader):
        with pytest.raises(Forbidden) as refused:
            outbox.resend(make.officer(wrong, squad=officer.squad, district=officer.district), message)
        assert refused.value.code == "role_forbidden" and message.state == outbox.DEAD
    outbox.resend(make.officer(Role.district_admin, district=officer.district), message)
    assert (message.state, message.failures) == (outbox.PENDING, 0)
