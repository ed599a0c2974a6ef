"""Non-site alerts: a burst of signed camera alerts with one 200 KB image each, against the bare evidence ingest.

Ours: BENCH_NONSITE_ALERTS (2,000, issue 20) alerts, each a distinct plate (so no two merge as a burst) and one
~200 KB JPEG inline, signed with the platform's key as the fake platform (tests/nonsite/platform.py) signs
them, POSTed to /api/nonsite/alerts through the app's WSGI stack (in-process client: signature, JSON,
base64, image validation, the alert row, the image locked in the camera's evidence chain, audit) on
PostgreSQL with local file storage; one alert in twenty is sent again (the platform's retry). The baseline
is the bare evidence ingest of the same images (`submit_evidence` into an officer's chain, one commit
each), after every fourth block of 100 (a quarter of the images: the ratio compares time per item, and
the run stays shorter). Each side gets its own copy of each image (storage is content-addressed): same
pixels, a distinct JPEG comment. Afterwards alerts, their evidence and the
distinct alert ids are counted: none lost, none doubled (asserted).
Target (issue 20): the ratio reported; no alert lost or doubled.
Run on its own: `python -m bench nonsite_alerts` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_nonsite; emptied first, dropped afterwards).
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bench._support import drop_postgres, fresh_postgres

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_nonsite")
ALERTS = int(os.environ.get("BENCH_NONSITE_ALERTS", "2000"))
IMAGE_BYTES = 200_000
BLOCK = 100
BASELINE_EVERY = 4  # the baseline runs after every fourth block (a sample of a quarter of the images)
RETRY_EVERY = 20
KEY = "bench-vision-key-0123456789abcdef"


def base_jpeg() -> bytes:
    """A real photograph (scikit-image's coffee) with sensor noise, as a JPEG of about IMAGE_BYTES."""
    import numpy as np
    from PIL import Image

    from tests import photos

    picture = photos.coffee().resize((1280, 720), Image.Resampling.BICUBIC)
    noise = np.random.default_rng(20).normal(0, 3, (720, 1280, 3))
    noisy = Image.fromarray(np.clip(np.asarray(picture, dtype=np.float32) + noise, 0, 255).astype(np.uint8))
    best = None
    for quality in range(95, 20, -1):  # the highest quality at or under the size
        data = photos.encode(noisy, quality=quality)
        best = data
        if len(data) <= IMAGE_BYTES:
            break
    return best


def variant(jpeg: bytes, tag: str) -> bytes:
    """The same picture with a JPEG comment (COM segment) naming `tag`: other bytes, the same decoding work."""
    comment = tag.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def _world(app):
    from backend.db import session
    from backend.nonsite.operations import register_camera
    from backend.org.models import District, Officer, Role, Squad

    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        admin = Officer(badge_no="A00001", name="区管理员", role=Role.district_admin, district=district)
        officer = Officer(badge_no="B00001", name="压测队员", role=Role.officer, district=district, squad=squad)
        session.add_all([district, squad, admin, officer])
        session.flush()
        camera = register_camera(admin, code="BENCHCAM", name="压测路口", sender="vision", place="静安区压测路 1 号",
                                 lat=31.27, lng=121.45, kinds=["muck_uncovered"], squad_id=squad.id)
        session.commit()
        return camera.code, officer.id, camera.officer_id


def _alert(camera: str, n: int, image: bytes) -> bytes:
    return json.dumps({
        "alert_id": f"VA{n:08d}", "camera_id": camera, "occurred_at": (datetime.now(UTC) - timedelta(minutes=1))
        .isoformat(), "kind": "muck_uncovered", "confidence": 0.9, "plate": f"沪A{n % 100000:05d}",
        "images": [{"data": base64.b64encode(image).decode(), "content_type": "image/jpeg"}]}).encode()


def run() -> dict:
    from backend import create_app
    from backend.db import session
    from backend.evidence.models import Evidence, Subject
    from backend.evidence.operations import submit_evidence
    from backend.migrate import upgrade
    from backend.nonsite.models import Alert
    from backend.nonsite.signing import signature
    from backend.org.models import Officer

    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secrets.token_hex(24), "SCHEDULER_MODE": "off",
                      "LOG_LEVEL": "WARNING", "FILES_DIR": tempfile.mkdtemp(prefix="bench-nonsite-files-"),
                      "NONSITE_SENDER_KEYS": f"vision={KEY}"})
    camera, officer_id, camera_officer_id = _world(app)
    base = base_jpeg()
    client = app.test_client()
    statuses: set[int] = set()
    timing = {"ours": 0.0, "bare": 0.0}
    sent, baseline_images = 0, 0
    captured = datetime.now(UTC) - timedelta(minutes=1)

    def post(body: bytes) -> int:
        stamp = str(int(time.time()))
        return client.post("/api/nonsite/alerts", data=body, content_type="application/json", headers={
            "X-Sender": "vision", "X-Timestamp": stamp, "X-Signature": signature(KEY, stamp, body)}).status_code

    try:
        with app.app_context():
            officer = session.get(Officer, officer_id)
            for start in range(0, ALERTS, BLOCK):
                numbers = range(start, min(start + BLOCK, ALERTS))
                bodies = []
                for n in numbers:
                    body = _alert(camera, n, variant(base, f"alert-{n}"))
                    bodies.append(body)
                    if n % RETRY_EVERY == 0:
                        bodies.append(body)
                images = [variant(base, f"bare-{n}") for n in numbers] if not (start // BLOCK) % BASELINE_EVERY else []
                began = time.perf_counter()
                for body in bodies:
                    statuses.add(post(body))
                timing["ours"] += time.perf_counter() - began
                sent += len(bodies)
                if (start // BLOCK) % BASELINE_EVERY:
                    continue
                baseline_images += len(images)
                began = time.perf_counter()
                for n, image in zip(numbers, images, strict=True):
                    submit_evidence(officer, client_id=f"bare-{n}-{uuid.uuid4().hex[:6]}", data=image,
                                    content_type="image/jpeg", captured_at=captured, lat=31.27, lng=121.45,
                                    place="静安区压测路 1 号")
                    session.commit()
                timing["bare"] += time.perf_counter() - began
        with app.app_context():
            alerts = session.scalar(select(func.count()).select_from(Alert))
            distinct = session.scalar(select(func.count(func.distinct(Alert.alert_id))))
            bursts = session.scalar(select(func.count()).select_from(Alert).where(Alert.burst_of.is_not(None)))
            evidence = session.scalar(select(func.count()).select_from(Evidence).where(
                Evidence.officer_id == camera_officer_id, Evidence.subject_type == Subject.alert))
            bare = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.officer_id == officer_id))
    finally:
        app.extensions["db_engine"].dispose()
        drop_postgres(DB_URL)
    exact = (alerts == distinct == evidence == ALERTS and bare == baseline_images and bursts == 0
             and statuses == {200, 201})
    assert exact, {"alerts": alerts, "distinct": distinct, "evidence": evidence, "bare": bare, "bursts": bursts,
                   "statuses": sorted(statuses)}
    ours_rate, bare_rate = ALERTS / timing["ours"], baseline_images / timing["bare"]
    return {
        "work": f"{ALERTS} 条告警（各 1 张 {len(base) // 1000} KB JPEG，内联）+ {sent - ALERTS} 次重发，签名上报，"
                f"逐条进入摄像头证据链，PostgreSQL",
        "ours": {"alerts_per_second": round(ours_rate, 1), "seconds": round(timing["ours"], 1), "alerts": alerts,
                 "evidence": evidence, "statuses": sorted(statuses)},
        "baseline": {"bare_evidence_ingest_per_second": round(bare_rate, 1), "seconds": round(timing["bare"], 1),
                     "images": baseline_images},
        "ratio": round(bare_rate / ours_rate, 3),
        "target": "ratio reported (time per alert / bare ingest per image); none lost or doubled",
        "met": exact,
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
