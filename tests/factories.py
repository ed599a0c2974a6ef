"""Factories: each makes rows with sensible defaults and commits them.

In tests a commit only releases a savepoint of the per-test transaction (see conftest), so the rows
survive the requests the test makes (which share the test's session) and vanish after the test.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

from backend.db import session
from backend.org.auth import hash_password, issue_token
from backend.org.models import CommunityOffice, District, Officer, Role, Squad

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

    def officer(self, role: Role = Role.officer, squad: Squad | None = None, district: District | None = None,
                password: str | None = None, **kw) -> Officer:
        n = next(_seq)
        if role in (Role.officer, Role.squad_leader) and squad is None:
            squad = self.squad(district)
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
