"""The materials cap holds under two uploads at once: the second waits for the course row and finds it full."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from backend.db import session
from backend.errors import Conflict
from backend.org.models import Officer, Role
from backend.training.models import CourseMaterial
from backend.training.operations import MAX_MATERIALS, add_material_file, create_course


def test_two_uploads_to_a_course_one_short_of_full_make_it_full_not_over(committed_app, make):
    if not committed_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite takes its write lock for the whole transaction: no statement runs while another writes")
    trainer = make.officer(Role.trainer)
    links = [{"title": f"第{i}讲", "url": f"https://learn.example.gov.cn/v/{i}"} for i in range(MAX_MATERIALS - 1)]
    course = create_course(trainer, title="巡查要点", category="classroom", credit_hours=2, materials=links)
    session.commit()
    first_stored, release, answers = threading.Event(), threading.Event(), {}

    def upload(name, hold):
        with committed_app.app_context():
            me = session.get(Officer, trainer.id)
            try:
                answers[name] = add_material_file(me, course.id, title=name, data=f"%PDF-1.4 {name}".encode(),
                                                  content_type="application/pdf").title
            except Conflict as error:
                answers[name] = error.code
            if hold:
                first_stored.set()
                release.wait(10)
            session.commit()

    first = threading.Thread(target=upload, args=("first", True))
    first.start()
    assert first_stored.wait(10)
    second = threading.Thread(target=upload, args=("second", False))
    second.start()
    with committed_app.extensions["db_engine"].connect() as conn:  # the second upload waits for the course row
        for _ in range(100):
            if conn.scalar(text("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")):
                break
            time.sleep(0.05)
        else:
            release.set()
            pytest.fail("the second upload never waited for the course row")
    release.set()
    first.join(10)
    second.join(10)
    assert answers == {"first": "first", "second": "too_many_materials"}
    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CourseMaterial)) == MAX_MATERIALS
