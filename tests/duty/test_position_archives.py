"""The archived months of patrol positions are the city's record of where every officer was: the city
administrator lists and downloads them, each part checked against its recorded SHA-256 before it is served; no
one else sees them (PIPL: a district's staff do not need the city's tracks)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import select

from backend.db import session
from backend.duty import partitions
from backend.duty.models import PositionArchive
from backend.duty.positions import add_positions
from backend.org.models import Role
from tests.duty.test_position_partitions import local, pings

FILE = "/api/duty/position-archives/{}/file"


def _stored_part(storage, month: date, part: int, rows: list[dict]) -> PositionArchive:
    """A part as the monthly job leaves it: gzip CSV in storage, its record with the SHA-256."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    data = gzip.compress(text.getvalue().encode())
    key = f"{partitions.ARCHIVE_FOLDER}/{month:%Y-%m}/part-{part:04d}.csv.gz"
    storage.put(key, data, "application/gzip")
    archive = PositionArchive(month=month, part=part, storage_key=key, rows=len(rows), bytes=len(data),
                              sha256=hashlib.sha256(data).hexdigest())
    session.add(archive)
    session.commit()
    return archive


@pytest.fixture
def city_admin(make):
    return make.officer(Role.city_admin)


@pytest.fixture
def parts(own_storage):
    row = {"id": "1", "officer_id": "7", "recorded_at": "2029-11-10 09:00:00+08:00", "lat": "31.2304",
           "lng": "121.4737"}
    return [_stored_part(own_storage, date(2029, 11, 1), 1, [row, {**row, "id": "2"}]),
            _stored_part(own_storage, date(2029, 12, 1), 1, [{**row, "id": "3"}])]


def test_the_city_administrator_lists_the_archives_newest_month_first_and_by_month(client, make, city_admin, parts):
    listed = client.get("/api/duty/position-archives", headers=make.headers(city_admin))
    assert listed.status_code == 200
    assert [(a["month"], a["part"], a["rows"]) for a in listed.json] == [("2029-12", 1, 1), ("2029-11", 1, 2)]
    assert listed.json[0]["sha256"] == parts[1].sha256
    november = client.get("/api/duty/position-archives?month=2029-11", headers=make.headers(city_admin))
    assert [a["id"] for a in november.json] == [parts[0].id]


def test_a_part_downloads_as_stored_with_its_hash(client, make, city_admin, parts, own_storage):
    response = client.get(FILE.format(parts[0].id), headers=make.headers(city_admin))
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert response.data == own_storage.get(parts[0].storage_key)
    assert response.headers["X-Archive-SHA256"] == parts[0].sha256
    assert "positions-2029-11-part-0001.csv.gz" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(response.data).decode())))
    assert [row["id"] for row in rows] == ["1", "2"]


def test_a_part_changed_in_storage_is_refused_and_a_missing_one_is_named(client, make, city_admin, parts,
                                                                         own_storage):
    path = own_storage.path(parts[0].storage_key)
    stored = bytearray(path.read_bytes())
    stored[-5] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(stored))
    refused = client.get(FILE.format(parts[0].id), headers=make.headers(city_admin))
    assert (refused.status_code, refused.json["error"]) == (409, "archive_file_altered")
    assert "SHA-256" in refused.json["message"] and "改动" in refused.json["message"]
    path.unlink()
    missing = client.get(FILE.format(parts[0].id), headers=make.headers(city_admin))
    assert (missing.status_code, missing.json["error"]) == (404, "file_missing")


@pytest.mark.parametrize("role", [Role.district_admin, Role.squad_leader, Role.officer, Role.city_supervisor,
                                  Role.city_trainer, Role.town_leader, Role.supervisor])
def test_no_one_but_the_city_administrator_sees_the_archives(client, make, parts, role):
    headers = make.headers(make.officer(role))
    for path in ("/api/duty/position-archives", FILE.format(parts[0].id)):
        refused = client.get(path, headers=headers)
        assert (refused.status_code, refused.json["error"]) == (403, "role_forbidden"), path


BAD_MONTHS = ["month=2029-13", "month=0000-01", "month=99999-01", "month=2029-11%0A", "month=２０２９-１１",
              "month=%2B2029-11", "month=\ud800".encode("utf-8", "surrogatepass").decode("latin-1")]


@pytest.mark.parametrize("query", BAD_MONTHS)
def test_a_bad_month_is_refused_in_chinese(client, make, city_admin, parts, query):
    refused = client.get(f"/api/duty/position-archives?{query}", headers=make.headers(city_admin))
    assert refused.status_code == 422 and "month" in refused.json["errors"]["query"]


@pytest.mark.parametrize("archive_id", ["0", "999999", str(2**63), str(2**64 + 1), "1e400", "-1"])
def test_an_unknown_or_impossible_archive_is_not_found(client, make, city_admin, parts, archive_id):
    refused = client.get(FILE.format(archive_id), headers=make.headers(city_admin))
    assert refused.status_code == 404


def test_a_month_archived_by_the_job_comes_back_through_a_download_link(app, client, make, city_admin,
                                                                        own_storage):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("monthly partitions are PostgreSQL's; SQLite keeps one plain table")
    officer = make.officer()
    make.shift(officer, local(2029, 10, 10, 8), local(2029, 10, 10, 16))
    partitions.create_partition(date(2029, 10, 1))
    assert add_positions(officer, pings(local(2029, 10, 10, 9), 6), now=local(2029, 10, 10, 12)) == (6, 0)
    assert partitions.archive_and_drop(date(2029, 10, 1)) == 6
    session.commit()
    archive = session.scalars(select(PositionArchive).where(PositionArchive.month == date(2029, 10, 1))).one()

    link = client.post("/api/downloads/links", json={"path": FILE.format(archive.id)},
                       headers=make.headers(city_admin))
    assert link.status_code == 201, link.json
    response = client.get(link.json["url"])
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(response.data).decode())))
    assert len(rows) == 6 and {row["officer_id"] for row in rows} == {str(officer.id)}
