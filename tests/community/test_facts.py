"""Facts for points: per officer per day, complaints resolved on time and late, ratings received."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from backend.community.models import Status
from backend.community.queries import daily_complaint_facts
from backend.db import LOCAL_TZ
from backend.org.models import Role


def test_daily_facts_count_on_time_late_and_ratings_per_officer(make, office):
    squad = office.squad
    alice, bob = make.officer(squad=squad), make.officer(squad=squad)
    day = date(2026, 11, 20)
    noon = datetime(2026, 11, 20, 12, tzinfo=LOCAL_TZ)
    on_time = make.complaint(office, submitted_at=noon - timedelta(hours=3), status=Status.closed,
                             resolved_by_id=alice.id, resolved_at=noon, rating=5, rated_at=noon + timedelta(hours=2))
    make.complaint(office, submitted_at=noon - timedelta(days=3), status=Status.resolved,
                   resolved_by_id=alice.id, resolved_at=noon + timedelta(hours=1))  # street vending: 1 day
    make.complaint(office, submitted_at=noon - timedelta(days=3), status=Status.closed, resolved_by_id=bob.id,
                   resolved_at=noon - timedelta(days=2), rating=2, rated_at=noon)  # resolved earlier, rated today
    make.complaint(office, submitted_at=noon, status=Status.resolved, resolved_by_id=bob.id,
                   resolved_at=datetime(2026, 11, 21, 0, 30, tzinfo=LOCAL_TZ))  # the next local day
    assert on_time.resolved_at <= on_time.resolve_due_at
    facts = {row.officer_id: row for row in daily_complaint_facts(day)}
    assert set(facts) == {alice.id, bob.id}
    a, b = facts[alice.id], facts[bob.id]
    assert (a.resolved_on_time, a.resolved_late, a.ratings_received, a.rating_points) == (1, 1, 1, 5)
    assert (b.resolved_on_time, b.resolved_late, b.ratings_received, b.rating_points) == (0, 0, 1, 2)
    assert daily_complaint_facts(date(2026, 11, 19)) == []
    assert make.officer(Role.squad_leader, squad=squad)  # leaders without complaints add no rows
    assert len(daily_complaint_facts(day)) == 2
