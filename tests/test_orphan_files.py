"""Every folder of stored files is swept of what a failed commit left: a resident's complaint photos, duty
selfies, course materials and drill photos (evidence has its own tests in tests/evidence/test_orphans.py)."""
import base64
import io
from datetime import timedelta

import pytest
from PIL import Image

from backend.db import utcnow
from backend.org.models import Role
from tests import photos
from tests.community.conftest import office, signed  # noqa: F401  (office: the fixture)
from tests.duty.helpers import check_payload
from tests.evidence.helpers import age_files, commits_fail, stored_files, sweep_orphans


def _complaint_photo(client, make, office, attempt: int):  # noqa: F811
    photo = photos.coffee() if attempt == 1 else photos.coffee().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    description = "小区南门每天傍晚有流动摊贩占道经营" if attempt == 1 else "菜场门口的店家把货架摆到了人行道上"
    response = client.post("/api/community/public/complaints", content_type="multipart/form-data", data={
        **signed(office), "category": "street_vending", "description": description,
        "consent": "true", "photos": [(io.BytesIO(photos.encode(photo)), "photo.jpg", "image/jpeg")]},
        environ_base={"REMOTE_ADDR": f"10.9.0.{attempt}"})
    return response, "POST community.public_complaints"


def _selfie(client, make, office, attempt: int):  # noqa: F811
    officer = make.officer()
    post = make.post(officer.squad, selfie_required=True)
    start = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    shift = make.shift(officer, start, start + timedelta(hours=2), post=post)
    face = photos.astronaut() if attempt == 1 else photos.astronaut().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    selfie = base64.b64encode(photos.encode(face)).decode()
    response = client.post("/api/duty/check-ins", headers=make.headers(officer),
                           json=check_payload(shift, utcnow(), selfie=selfie))
    return response, "POST duty_attendance.check_ins"


def _course_material(client, make, office, attempt: int):  # noqa: F811
    trainer = make.officer(Role.trainer)
    course = client.post("/api/training/courses", headers=make.headers(trainer), json={
        "title": f"执法记录仪使用 {attempt}", "category": "online", "credit_hours": "1.0"}).json
    pdf = f"%PDF-1.4 slides, version {attempt}".encode()
    response = client.post(f"/api/training/courses/{course['id']}/materials", headers=make.headers(trainer),
                           data={"title": "课件", "file": (io.BytesIO(pdf), "slides.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    return response, "POST training.course_materials"


def _drill_photo(client, make, office, attempt: int):  # noqa: F811
    trainer = make.officer(Role.trainer)
    drill = client.post("/api/training/drills", headers=make.headers(trainer), json={
        "title": "手势：敬礼", "kind": "gesture", "gesture_code": "salute", "category": "classroom",
        "credit_hours": "0.5", "pass_score": 80}).json
    trainee = make.officer(squad=make.squad(trainer.district))
    response = client.post(f"/api/training/drills/{drill['id']}/photo-attempts", headers=make.headers(trainee),
                           data={"photos": [(io.BytesIO(photos.encode(photos.astronaut())), "frame.jpg")]},
                           content_type="multipart/form-data")
    return response, "POST drills.drill_photo_attempts"


@pytest.mark.parametrize("upload, folder", [
    (_complaint_photo, "community"), (_selfie, "duty/selfies"), (_course_material, "training/materials"),
    (_drill_photo, "training/drill-attempts")], ids=["complaint photo", "selfie", "course material", "drill photo"])
def test_a_file_whose_record_never_committed_is_swept_and_the_others_kept(
        app, client, make, office, own_storage, upload, folder):  # noqa: F811  (office: the fixture)
    kept, action = upload(client, make, office, 1)
    assert kept.status_code == 201, kept.json
    files_of_kept = stored_files(app)
    assert any(key.startswith(f"{folder}/") for key in files_of_kept)
    with commits_fail(action):
        failed, _ = upload(client, make, office, 2)
    assert failed.status_code == 500
    orphans = stored_files(app) - files_of_kept
    assert len(orphans) == 1 and next(iter(orphans)).startswith(f"{folder}/")

    sweep_orphans(app)
    assert stored_files(app) == files_of_kept | orphans  # within the grace period nothing goes
    age_files(own_storage, 2)
    sweep_orphans(app)
    assert stored_files(app) == files_of_kept


def test_one_claim_statement_holds_every_key_until_the_transaction_ends(app, database_url):
    """All of a writer's keys are claimed at once (one statement on PostgreSQL): another transaction can take
    none of them until the claim's transaction ends, the sweep included."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite: every writer holds the database's write lock; nothing per key")
    from sqlalchemy import create_engine, text

    from backend.db import session
    from backend.files import claim_keys

    other = create_engine(database_url)

    def free(key: str) -> bool:
        with other.connect() as conn:
            return conn.execute(text("select pg_try_advisory_xact_lock(hashtext(:key))"), {"key": key}).scalar()

    keys = ["orders/b.jpg", "orders/a.jpg", "orders/b.jpg", "community/c.png"]
    claim_keys(keys)
    assert [free(key) for key in keys] == [False] * 4
    assert free("orders/d.jpg")
    session.rollback()
    assert all(free(key) for key in keys)
    other.dispose()


def test_the_photos_migration_0190_moved_into_evidence_leave_their_old_folder_once_old(app, own_storage):
    """0190 copied each checklist item's photo to the evidence folder and left the file under inspections/: no
    record refers to it any more (an inspection photo is evidence now), so the sweep deletes it after the grace."""
    own_storage.put("inspections/0190-left-behind.jpg", photos.encode(photos.coffee()), "image/jpeg")
    sweep_orphans(app)
    assert stored_files(app) == {"inspections/0190-left-behind.jpg"}  # within the grace period nothing goes
    age_files(own_storage, 2)
    sweep_orphans(app)
    assert stored_files(app) == set()
