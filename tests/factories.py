"""Factories: each makes rows with sensible defaults and commits them.

In tests a commit only releases a savepoint of the per-test transaction (see conftest), so the rows
survive the requests the test makes (which share the test's session) and vanish after the test.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

from backend.db import session
from backend.org.auth import hash_password, issue_token
from backend.org.models import CommunityOffice, District, Officer, Role, Squad, Town
from backend.org.roles import CITY_STAFF

_seq = itertools.count(1)
_password_hashes: dict[str, str] = {}


class Factory:
    def district(self, **kw) -> District:
        n = next(_seq)
        district = District(code=kw.pop("code", f"D{n}"), name=kw.pop("name", f"测试区{n}"), **kw)
        session.add(district)
        session.commit()
        return district

    def squad(self, district: District | None = None, **kw) -> Squad:
        n = next(_seq)
        squad = Squad(district=district or self.district(), name=kw.pop("name", f"测试中队{n}"), **kw)
        session.add(squad)
        session.commit()
        return squad

    def town(self, district: District | None = None, *squads: Squad, **kw) -> Town:
        """A 街镇 of `district` (a new one if none), with `squads` attached to it."""
        n = next(_seq)
        town = Town(district=district or (squads[0].district if squads else self.district()),
                    code=kw.pop("code", f"TOWN-{n}"), name=kw.pop("name", f"测试街道{n}"), **kw)
        session.add(town)
        for squad in squads:
            squad.town = town
        session.commit()
        return town

    def officer(self, role: Role = Role.officer, squad: Squad | None = None, district: District | None = None,
                password: str | None = None, **kw) -> Officer:
        """An officer of `role`: a squad member gets a squad, a town leader a 街镇 (pass `town=`, else a new one of
        `district`), the city bureau's staff no district."""
        n = next(_seq)
        if role in (Role.officer, Role.squad_leader) and squad is None:
            squad = self.squad(district)
        if role == Role.town_leader and kw.get("town") is None:
            kw["town"] = self.town(district)
        if role in CITY_STAFF:
            district = None
        elif role == Role.town_leader:
            district = kw["town"].district
        else:
            district = district or (squad.district if squad else self.district())
        if password and password not in _password_hashes:
            _password_hashes[password] = hash_password(password)
        officer = Officer(
            badge_no=kw.pop("badge_no", f"T{n:05d}"), name=kw.pop("name", f"队员{n}"), role=role,
            squad=squad, district=district, active=kw.pop("active", True),
            password_hash=_password_hashes.get(password) if password else None, **kw,
        )
        session.add(officer)
        session.commit()
        return officer

    def office(self, squad: Squad, **kw) -> CommunityOffice:
        n = next(_seq)
        office = CommunityOffice(code=kw.pop("code", f"CO-{n}"), name=kw.pop("name", f"社区工作室{n}"),
                                 squad=squad, residential_committee=kw.pop("residential_committee", "测试居委"),
                                 address=kw.pop("address", "测试路 1 号"), **kw)
        session.add(office)
        session.commit()
        return office

    def headers(self, officer: Officer, ttl: timedelta = timedelta(hours=1)) -> dict:
        """Authorization headers with a fresh token of `officer`."""
        token, _ = issue_token(officer, channel="password", ttl=ttl)
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    def post(self, squad: Squad, *, lat: float = 31.2304, lng: float = 121.4737, radius_m: int = 100,
             selfie_required: bool = False, **kw):
        """A circular duty post (GCJ-02) of `squad`."""
        from backend.duty.models import Post

        post = Post(squad=squad, name=kw.pop("name", f"点位{next(_seq)}"), shape="circle", center_lat=lat,
                    center_lng=lng, radius_m=radius_m, coord_system="gcj02", selfie_required=selfie_required,
                    active=True, **kw)
        session.add(post)
        session.commit()
        return post

    def shift(self, officer: Officer, starts_at, ends_at, *, duty_type: str = "patrol", post=None, **kw):
        """A roster line for `officer` between two aware datetimes (its day is the local start day)."""
        from backend.db import local_day
        from backend.duty.models import DutyType, Shift

        shift = Shift(officer=officer, squad_id=officer.squad_id, day=kw.pop("day", local_day(starts_at)),
                      starts_at=starts_at, ends_at=ends_at,
                      scheduled_minutes=int((ends_at - starts_at).total_seconds() // 60),
                      duty_type=DutyType(duty_type), post=post, attended_minutes=0, absent=False,
                      missing_check_out=False, **kw)
        session.add(shift)
        session.commit()
        return shift

    def complaint(self, office: CommunityOffice, *, category: str = "street_vending", submitted_at=None, **kw):
        """A resident's complaint at `office`, submitted now (or at `submitted_at`) with default deadlines."""
        from backend.community.deadlines import due_times
        from backend.community.models import Category, Complaint, ComplaintEvent, Status
        from backend.community.privacy import new_tracking_code
        from backend.db import utcnow

        submitted_at = submitted_at or utcnow()
        accept_due, resolve_due = due_times(office.squad.district_id, Category(category), submitted_at)
        complaint = Complaint(
            tracking_code=new_tracking_code(), office=office, squad_id=office.squad_id, category=Category(category),
            description=kw.pop("description", f"测试诉件 {next(_seq)}"), status=kw.pop("status", Status.submitted),
            submitted_at=submitted_at, accept_due_at=accept_due, resolve_due_at=resolve_due, reports=1, **kw)
        session.add(complaint)
        session.add(ComplaintEvent(complaint=complaint, kind="submitted", status=complaint.status,
                                   note="诉件已提交", at=submitted_at))
        session.flush()
        return complaint

    def question_bank(self, trainer: Officer, **kw):
        """A question bank of `trainer`'s district."""
        from backend.training.exams.models import QuestionBank

        bank = QuestionBank(district_id=trainer.district_id, name=kw.pop("name", f"题库{next(_seq)}"), **kw)
        session.add(bank)
        session.flush()
        return bank

    def question(self, bank, *, kind: str = "single", options=("甲", "乙", "丙", "丁"), answer=(0,),
                 tags=(), difficulty: int = 3, stem: str | None = None):
        """A checked question in `bank` (stem unique unless given)."""
        from backend.training.exams.bank import checked_question, fingerprint
        from backend.training.exams.models import Question, QuestionKind, QuestionTag

        kind = QuestionKind(kind)
        stem = stem or f"测试题目{next(_seq)}"
        options, answer = checked_question(kind, stem, list(options), list(answer))
        question = Question(district_id=bank.district_id, bank_id=bank.id, kind=kind, stem=stem, options=options,
                            answer=answer, difficulty=difficulty, fingerprint=fingerprint(kind, stem, options),
                            tag_rows=[QuestionTag(tag=t) for t in tags])
        session.add(question)
        session.flush()
        return question

    def live_class(self, trainer: Officer, starts_at, ends_at, **kw):
        """A live class of `trainer`'s district (category "classroom", 2 hours, 80 % presence)."""
        from decimal import Decimal

        from backend.db import local_day
        from backend.training.models import LiveClass

        live_class = LiveClass(
            district_id=trainer.district_id,
            title=kw.pop("title", f"直播课{next(_seq)}"),
            classroom=kw.pop("classroom", "智慧教室"),
            starts_at=starts_at,
            ends_at=ends_at,
            held_on=local_day(starts_at),
            category=kw.pop("category", "classroom"),
            credit_hours=kw.pop("credit_hours", Decimal("2.0")),
            min_presence_percent=kw.pop("min_presence_percent", 80),
            created_by_id=trainer.id,
            **kw,
        )
        session.add(live_class)
        session.flush()
        return live_class

    def finding(self, supervisor: Officer, officer: Officer | None = None, *, squad: Squad | None = None,
                found_at=None, severity: int = 2, type_code: str = "uniform", **kw):
        """A supervision finding by `supervisor` against `officer` (or a whole `squad`), no message sent."""
        from backend.db import local_day, utcnow
        from backend.supervision.findings.models import Finding

        found_at = found_at or utcnow()
        finding = Finding(district_id=supervisor.district_id, squad_id=(squad.id if squad else officer.squad_id),
                          officer=officer, supervisor=supervisor, type_code=type_code, severity=severity,
                          place=kw.pop("place", "测试路 1 号"), found_at=found_at, found_on=local_day(found_at),
                          description=kw.pop("description", "着装不规范"), **kw)
        session.add(finding)
        session.flush()
        return finding

    def case_record(self, officer: Officer, *, discovered_on, registered_on=None, closed_on=None, **kw):
        """An imported case handled by `officer`, with deadlines from the default rules (15 / 90 days)."""
        from datetime import timedelta

        from backend.supervision.cases.models import Case

        case = Case(number=kw.pop("number", f"CASE-{next(_seq)}"), district_id=officer.district_id,
                    squad_id=officer.squad_id, officer=officer, discovered_on=discovered_on,
                    registered_on=registered_on, closed_on=closed_on,
                    registration_due_on=discovered_on + timedelta(days=15),
                    handling_due_on=registered_on + timedelta(days=90) if registered_on else None, **kw)
        session.add(case)
        session.flush()
        return case
