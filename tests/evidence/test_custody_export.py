"""The custody log (every view, download and export; append-only) and the redacted export that blurs faces."""
import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from backend.db import session
from backend.evidence.models import CustodyEntry
from backend.org.models import Role
from backend.vision import face_detector
from tests import photos
from tests.evidence.helpers import unique_jpeg, unique_photo, upload


@pytest.fixture
def photo(client, make):
    officer = make.officer()
    response = upload(client, make.headers(officer), unique_jpeg())
    return officer, response.json["id"]


def test_every_access_is_logged_with_who_when_why(client, make, photo):
    officer, evidence_id = photo
    leader = make.officer(Role.squad_leader, squad=officer.squad)
    own, lead = make.headers(officer), make.headers(leader)
    assert client.get(f"/api/evidence/{evidence_id}/original", headers=own).status_code == 200
    download = client.get(f"/api/evidence/{evidence_id}/original", headers=lead,
                          query_string={"download": "true", "reason": "移送法制科审核"})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="evidence-{evidence_id}.jpg"'
    assert client.get(f"/api/evidence/{evidence_id}/watermarked", headers=lead).status_code == 200
    export = client.post(f"/api/evidence/{evidence_id}/exports", headers=lead, json={"reason": "公众号通报"})
    assert export.status_code == 200
    assert client.get(f"/api/evidence/{evidence_id}", headers=lead).status_code == 200  # metadata only: not logged
    assert client.get(f"/api/evidence/{evidence_id}/thumbnail", headers=lead).status_code == 200  # it shows people
    log = client.get(f"/api/evidence/{evidence_id}/custody", headers=lead).json
    assert [(e["action"], e["actor_id"], e["reason"]) for e in log] == [
        ("view_original", officer.id, None),
        ("download_original", leader.id, "移送法制科审核"),
        ("view_watermarked", leader.id, None),
        ("export_redacted", leader.id, "公众号通报"),
        ("view_thumbnail", leader.id, None),
    ]
    assert [e["action_name"] for e in log] == ["查看原件", "下载原件", "查看水印件", "导出脱敏件", "查看缩略图"]
    assert all(e["at"] and e["address"] == "127.0.0.1" for e in log)


def test_downloading_an_original_needs_a_reason(client, make, photo):
    officer, evidence_id = photo
    for query in ({"download": "true"}, {"download": "true", "reason": "   "}):
        response = client.get(f"/api/evidence/{evidence_id}/original", headers=make.headers(officer),
                              query_string=query)
        assert (response.status_code, response.json["error"]) == (422, "reason_required")
    assert client.get(f"/api/evidence/{evidence_id}/custody", headers=make.headers(officer)).json == []


def test_no_api_changes_the_custody_log(client, make, photo):
    officer, evidence_id = photo
    headers = make.headers(officer)
    client.get(f"/api/evidence/{evidence_id}/original", headers=headers)
    for method in (client.put, client.patch, client.delete, client.post):
        assert method(f"/api/evidence/{evidence_id}/custody", headers=headers).status_code == 405
    entry = session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)).one()
    entry.reason = "改写"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()


def test_outside_scope_nothing_is_served_or_logged(client, make, photo):
    _, evidence_id = photo
    stranger = make.headers(make.officer())
    assert client.post(f"/api/evidence/{evidence_id}/exports", headers=stranger, json={}).status_code == 404
    assert client.get(f"/api/evidence/{evidence_id}/custody", headers=stranger).status_code == 404
    assert session.scalars(select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)).all() == []


def test_redacted_export_blurs_the_face_and_leaves_the_rest(client, make):
    officer = make.officer()
    headers = make.headers(officer)
    original_bytes = photos.encode(unique_photo(), quality=95)
    evidence_id = upload(client, headers, original_bytes).json["id"]
    [face] = face_detector().detect_faces(Image.open(io.BytesIO(original_bytes)))

    response = client.post(f"/api/evidence/{evidence_id}/exports", headers=headers, json={"reason": "通报"})
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Faces-Blurred"] == "1"
    redacted = Image.open(io.BytesIO(response.data)).convert("RGB")
    before = np.asarray(Image.open(io.BytesIO(original_bytes)).convert("RGB"), dtype=int)
    after = np.asarray(redacted, dtype=int)
    inside = (slice(face.top, face.bottom), slice(face.left, face.right))
    assert np.abs(after[inside] - before[inside]).mean() > 12  # the face is blurred …
    assert np.asarray(redacted.convert("L"))[inside].std() < before[inside].mean(axis=2).std() * 0.6
    assert face_detector().count_faces(redacted) == 0  # … beyond recognition
    outside = np.ones(before.shape[:2], dtype=bool)
    outside[max(0, face.top - 60):face.bottom + 60, max(0, face.left - 60):face.right + 60] = False
    assert np.abs(after[outside] - before[outside]).mean() < 2  # the rest stays (JPEG re-encoding aside)
    # The original is untouched.
    assert client.get(f"/api/evidence/{evidence_id}/original", headers=headers).data == original_bytes


def test_two_faces_are_both_blurred(client, make):
    headers = make.headers(make.officer())
    evidence_id = upload(client, headers, photos.encode(unique_photo(photos.two_faces()))).json["id"]
    response = client.post(f"/api/evidence/{evidence_id}/exports", headers=headers, json={})
    assert response.headers["X-Faces-Blurred"] == "2"
    assert face_detector().count_faces(Image.open(io.BytesIO(response.data))) == 0



def test_a_small_face_in_a_12_megapixel_photo_is_blurred(client, make):
    """A face of about 50 px in a 4000×3000 photo: too small for the detector on the whole photo."""
    photo = photos.rocket().resize((4000, 3000), Image.Resampling.BICUBIC)
    photo.paste(unique_photo().resize((256, 256), Image.Resampling.LANCZOS), (2900, 700))
    assert face_detector().detect_faces(photo) == []  # found only by searching in tiles
    original_bytes = photos.encode(photo, quality=95)
    headers = make.headers(make.officer())
    evidence_id = upload(client, headers, original_bytes).json["id"]

    response = client.post(f"/api/evidence/{evidence_id}/exports", headers=headers, json={"reason": "通报"})
    # (At 6 % of a tile the detector also takes a patch of the suit for a face: blurring too much is the safe side.)
    assert response.status_code == 200 and int(response.headers["X-Faces-Blurred"]) >= 1
    before = np.asarray(Image.open(io.BytesIO(original_bytes)).convert("RGB"), dtype=int)
    after = np.asarray(Image.open(io.BytesIO(response.data)).convert("RGB"), dtype=int)
    face = (slice(700 + 30, 700 + 90), slice(2900 + 85, 2900 + 140))  # where the astronaut's face lands
    assert np.abs(after[face] - before[face]).mean() > 12
    outside = np.ones(before.shape[:2], dtype=bool)
    outside[600:1050, 2800:3250] = False
    assert np.abs(after[outside] - before[outside]).mean() < 2
