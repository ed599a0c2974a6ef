"""Taking in evidence: upload and WeChat media id, idempotency, EXIF comparison, derivatives, scope."""
import hashlib
import io
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import Image
from sqlalchemy import func, select

from backend.db import LOCAL_TZ, session
from backend.evidence.models import Evidence
from backend.org.models import Role
from tests import photos
from tests.evidence.helpers import details, mp4_bytes, stored_files, unique_jpeg, unique_photo, upload


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.json
    return Image.open(io.BytesIO(response.data))


def test_photo_upload_is_stored_once_under_its_hash_with_copies(client, make, app):
    officer = make.officer(badge_no="A20001")
    headers = make.headers(officer)
    data = unique_jpeg()
    response = upload(client, headers, data, subject_type="complaint", subject_ref="TS-2026-0001")
    assert response.status_code == 201
    body = response.json
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["kind"], body["mime"], body["width"], body["height"]) == ("photo", "image/jpeg", 512, 512)
    assert body["seq"] == 1
    assert (body["subject_type"], body["subject_name"], body["subject_ref"]) == ("complaint", "诉件", "TS-2026-0001")
    files = stored_files(app)
    assert f"evidence/originals/{body['sha256'][:2]}/{body['sha256']}.jpg" in files
    original = client.get(f"/api/evidence/{body['id']}/original", headers=headers)
    assert original.data == data
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    thumb = _image(client.get(f"/api/evidence/{body['id']}/thumbnail", headers=headers))
    assert max(thumb.size) == 320
    marked = np.asarray(_image(client.get(f"/api/evidence/{body['id']}/watermarked", headers=headers)), dtype=int)
    plain = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)
    assert marked.shape == plain.shape
    assert np.abs(marked[:300] - plain[:300]).mean() < 3  # the picture itself is untouched …
    assert np.abs(marked[-60:] - plain[-60:]).mean() > 30  # … the band at the bottom carries the text


def test_the_same_client_id_twice_makes_one_record(client, make):
    officer = make.officer()
    headers = make.headers(officer)
    data, fields = unique_jpeg(), details()
    first = upload(client, headers, data, **fields)
    again = upload(client, headers, data, **fields)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert session.scalar(select(func.count()).select_from(Evidence).where(Evidence.officer_id == officer.id)) == 1
    other_file = upload(client, headers, unique_jpeg(), **fields)
    assert (other_file.status_code, other_file.json["error"]) == (409, "client_id_reused")
    someone_else = upload(client, make.headers(make.officer()), data, **fields)
    assert (someone_else.status_code, someone_else.json["error"]) == (409, "client_id_reused")


def test_exif_time_and_place_are_kept_beside_the_reported_ones_and_disagreement_is_flagged(client, make):
    headers = make.headers(make.officer())
    reported = datetime.now(LOCAL_TZ).replace(second=0, microsecond=0) - timedelta(hours=1)  # within the sync window
    taken = reported - timedelta(minutes=1)
    agreeing = upload(client, headers, unique_jpeg(taken=f"{taken:%Y:%m:%d %H:%M:%S}", gps=(31.2304, 121.4737)),
                      captured_at=reported.isoformat())
    assert agreeing.status_code == 201
    assert agreeing.json["exif_taken_at"] == taken.astimezone(UTC).isoformat()  # EXIF local time is Shanghai time
    assert agreeing.json["time_gap_s"] == 60 and agreeing.json["place_gap_m"] < 5
    assert agreeing.json["exif_disagrees"] == {"time": False, "place": False}
    # Taken a day earlier at Pudong airport, reported as now at People's Square.
    disagreeing = upload(client, headers, unique_jpeg(taken=f"{taken - timedelta(days=1):%Y:%m:%d %H:%M:%S}",
                                                      gps=(31.1443, 121.8083)), captured_at=reported.isoformat())
    assert disagreeing.json["exif_disagrees"] == {"time": True, "place": True}
    assert disagreeing.json["place_gap_m"] > 30000
    without_exif = upload(client, headers, unique_jpeg())
    assert without_exif.json["exif_taken_at"] is None and without_exif.json["exif_disagrees"] == {
        "time": False, "place": False}


def test_png_photo_and_gcj02_report(client, make):
    headers = make.headers(make.officer())
    response = upload(client, headers, photos.encode(unique_photo(), "PNG"), content_type="image/png",
                      filename="x.png", coord_system="gcj02", lat=31.2285, lng=121.4782)
    assert response.status_code == 201
    assert (response.json["mime"], response.json["lat"]) == ("image/png", 31.2285)


def test_wechat_media_id_is_downloaded_and_taken_in(client, make, fake_wechat):
    headers = make.headers(make.officer())
    data = unique_jpeg()
    fake_wechat.media["MEDIA_1"] = (data, "image/jpeg")
    body = {**details(), "media_id": "MEDIA_1"}
    response = client.post("/api/evidence/wechat", headers=headers, json=body)
    assert response.status_code == 201, response.json
    assert (response.json["source"], response.json["size_bytes"]) == ("wechat", len(data))
    again = client.post("/api/evidence/wechat", headers=headers, json=body)
    assert (again.status_code, again.json["id"]) == (200, response.json["id"])
    assert fake_wechat.calls["media/get"] == 1  # the retry did not download again


def test_short_mp4_video_is_taken_in_with_duration_and_thumbnail(client, make):
    headers = make.headers(make.officer())
    response = upload(client, headers, mp4_bytes(seconds=2.5), content_type="video/mp4", filename="clip.mp4")
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["kind"], body["mime"], body["width"], body["height"]) == ("video", "video/mp4", 160, 120)
    assert 2400 <= body["duration_ms"] <= 2600
    assert body["has_watermarked_copy"] is False
    assert _image(client.get(f"/api/evidence/{body['id']}/thumbnail", headers=headers)).size == (160, 120)


def test_scope_officer_own_leader_squad_district_all(client, make):
    squad = make.squad()
    mine, colleague = make.officer(squad=squad), make.officer(squad=squad)
    leader = make.officer(Role.squad_leader, squad=squad)
    other_squad_leader = make.officer(Role.squad_leader, squad=make.squad(squad.district))
    district_admin = make.officer(Role.district_admin, district=squad.district)
    outsider_admin = make.officer(Role.district_admin)
    ids = [upload(client, make.headers(person), unique_jpeg()).json["id"] for person in (mine, colleague)]

    def listed(person):
        return {item["id"] for item in client.get("/api/evidence", headers=make.headers(person)).json}

    assert listed(mine) == {ids[0]}
    assert listed(leader) == set(ids) and listed(district_admin) == set(ids)
    assert listed(other_squad_leader) == set() and listed(outsider_admin) == set()
    for person in (colleague, other_squad_leader, outsider_admin):
        assert client.get(f"/api/evidence/{ids[0]}", headers=make.headers(person)).status_code == 404
        assert client.get(f"/api/evidence/{ids[0]}/original", headers=make.headers(person)).status_code == 404
    assert client.get(f"/api/evidence/{ids[0]}", headers=make.headers(leader)).status_code == 200


def test_list_filters_by_what_the_evidence_belongs_to(client, make):
    headers = make.headers(make.officer())
    upload(client, headers, unique_jpeg(), subject_type="case", subject_ref="沪静城罚〔2026〕1号")
    upload(client, headers, unique_jpeg())
    listed = client.get("/api/evidence", headers=headers, query_string={"subject_ref": "沪静城罚〔2026〕1号"}).json
    assert [item["subject_type"] for item in listed] == ["case"]
    half = upload(client, headers, unique_jpeg(), subject_type="case")
    assert (half.status_code, half.json["error"]) == (422, "subject_incomplete")
