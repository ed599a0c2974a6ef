"""The materials cap holds under two uploads at once: the second waits for the course row and finds it full."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.db import session
from backend.errors import Conflict
from backend.org.models import Officer, Role
from backend.training.models import CourseMaterial
from backend.training.operations import MAX_MATERIALS, add_material_file, create_course
from tests.races import postgresql_only, second_waits_for_first


def test_two_uploads_to_a_course_one_short_of_full_make_it_full_not_over(committed_app, make):
    postgresql_only(committed_app)
    trainer = make.officer(Role.trainer)
    links = [{"title": f"第{i}讲", "url": f"https://learn.example.gov.cn/v/{i}"} for i in range(MAX_MATERIALS - 1)]
    course = create_course(trainer, title="巡查要点", category="classroom", credit_hours=2, materials=links)
    session.commit()

    def upload(name):
        try:
            return add_material_file(session.get(Officer, trainer.id), course.id, title=name,
                                     data=f"%PDF-1.4 {name}".encode(), content_type="application/pdf").title
        except Conflict as error:
            return error.code

    # the second upload waits for the course row, then finds the course full
    assert second_waits_for_first(committed_app, upload) == {"first": "first", "second": "too_many_materials"}
    with committed_app.extensions["db_engine"].connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CourseMaterial)) == MAX_MATERIALS
