"""Keys: no start with a published or short SECRET_KEY, one demo key kept by `make run`, and a rotation that
leaves printed QR codes, evidence checkpoints and stored phone numbers valid, and `flask re-sign` before retiring."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, update

from backend.community.operations import qr_version
from backend.community.signing import office_path
from backend.config import ROOT
from backend.db import session
from backend.evidence.models import ChainCheckpoint
from backend.keys import DEMO_KEY_FILE
from backend.org.models import Role
from tests.evidence.helpers import unique_jpeg, upload

FLASK = str(Path(sys.executable).with_name("flask"))
OLD_KEY, NEW_KEY = "old-district-key-" + "a" * 40, "new-district-key-" + "b" * 40
PRINT_QR = ("from wsgi import app\nfrom backend.community.signing import office_path\n"
            "with app.app_context(): print(office_path('JA-01', 1))")


def _operator_env(tmp_path, **settings) -> dict:
    """The environment an operator starts the service with: no test settings, only what is given."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("SECRET_KEY", "SECRET_KEYS_PREVIOUS", "DEMO_MODE")}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'operator.db'}", "SCHEDULER_MODE": "off", **settings}


def test_the_service_refuses_to_start_with_the_published_or_a_short_key(tmp_path):
    for settings in ({}, {"SECRET_KEY": "dev-only-change-me"}, {"SECRET_KEY": "x" * 31}):
        started = subprocess.run([FLASK, "--app", "wsgi", "routes"], cwd=ROOT, env=_operator_env(tmp_path, **settings),
                                 capture_output=True, text=True, timeout=120)
        assert started.returncode != 0, settings
        assert "拒绝启动" in started.stderr and "refusing to start" in started.stderr, started.stderr
        assert "Traceback" not in started.stderr
    gunicorn = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "--bind", "127.0.0.1:0", "wsgi:app"],
                              cwd=ROOT, env=_operator_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert gunicorn.returncode != 0 and "refusing to start" in gunicorn.stderr
    started = subprocess.run(
        [FLASK, "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=_operator_env(tmp_path, SECRET_KEY=NEW_KEY),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr


def test_make_run_signs_with_one_key_of_its_own_across_restarts(tmp_path):
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    starts = [line for line in dry_run.splitlines() if "--app wsgi" in line or "gunicorn" in line]
    assert len(starts) == 3 and all("DEMO_MODE=1" in line for line in starts), dry_run
    made_here = not DEMO_KEY_FILE.exists()
    try:
        for command in ("migrate", "seed-demo"):  # what `make run` does before it starts gunicorn
            done = subprocess.run([FLASK, "--app", "wsgi", command], cwd=ROOT, capture_output=True, text=True,
                                  env=_operator_env(tmp_path, DEMO_MODE="1"), timeout=300)
            assert done.returncode == 0, done.stderr
        printed = [subprocess.run([sys.executable, "-c", PRINT_QR], cwd=ROOT, capture_output=True, text=True,
                                  env=_operator_env(tmp_path, DEMO_MODE="1"), timeout=120) for _ in range(2)]
        assert [run.returncode for run in printed] == [0, 0], printed[0].stderr
        assert printed[0].stdout == printed[1].stdout  # a QR code printed in the demo stays valid after a restart
        assert len(DEMO_KEY_FILE.read_text().strip()) >= 32
        ignored = subprocess.run(["git", "check-ignore", "-q", str(DEMO_KEY_FILE)], cwd=ROOT, timeout=30)
        assert ignored.returncode == 0  # never committed
    finally:
        if made_here:
            DEMO_KEY_FILE.unlink(missing_ok=True)


def _scan(client, path: str):
    _, _, code, version, signature = path.split("/")
    return client.get(f"/api/community/public/offices/{code}/{version}/{signature}")


def _chain(client, make, officer) -> dict:
    admin = make.officer(Role.district_admin, district=officer.district)
    return client.get("/api/evidence/chains", headers=make.headers(admin),
                      query_string={"officer_id": officer.id}).json[0]


def _report_with_phone(client, office) -> None:
    submitted = client.post(
        "/api/community/public/complaints",
        content_type="multipart/form-data",
        data={
            **dict(
                zip(
                    ("office_code", "version", "signature"),
                    office_path(office.code, qr_version(office)).split("/")[2:],
                    strict=False,
                )
            ),
            "category": "street_vending",
            "description": "小区南门傍晚有流动摊贩",
            "consent": "true",
            "phone": "13812345678",
        },
    )
    assert submitted.status_code == 201, submitted.json


def test_rotation_keeps_qr_codes_checkpoints_and_phones_until_the_old_key_is_retired(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)
    squad = make.squad()
    leader, handler = make.officer(Role.squad_leader, squad=squad), make.officer(squad=squad)
    office = make.office(squad)
    printed = office_path(office.code, qr_version(office))
    assert upload(client, make.headers(handler), unique_jpeg()).status_code == 201
    _report_with_phone(client, office)
    complaint_id = client.get("/api/community/complaints", headers=make.headers(leader)).json[0]["id"]
    client.post(f"/api/community/complaints/{complaint_id}/accept", headers=make.headers(leader))
    client.post(f"/api/community/complaints/{complaint_id}/assign", headers=make.headers(leader),
                json={"officer_id": handler.id})

    def phone() -> str:
        return client.get(f"/api/community/complaints/{complaint_id}", headers=make.headers(handler)).json["phone"]

    assert phone() == "13812345678"

    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEYS_PREVIOUS", OLD_KEY)
    reprinted = office_path(office.code, qr_version(office))
    assert reprinted != printed and reprinted.split(".")[0] != printed.split(".")[0]  # another key id
    assert _scan(client, printed).status_code == 200 and _scan(client, reprinted).status_code == 200
    assert _chain(client, make, handler)["intact"] is True
    assert phone() == "13812345678"

    re_signed = app.test_cli_runner().invoke(args=["re-sign"])
    assert re_signed.exit_code == 0 and "重新签名 1 个" in re_signed.output
    assert "complaint.phone_encrypted：已用当前密钥重新加密 1 个（无法解密 0 个）" in re_signed.output
    monkeypatch.setitem(app.config, "SECRET_KEYS_PREVIOUS", "")  # the old key retired
    refused = _scan(client, printed)  # a printed code is not re-signed: it must be reissued before retiring its key
    assert refused.status_code == 403 and refused.json["error"] == "qr_signature_invalid"
    assert _scan(client, reprinted).status_code == 200
    assert _chain(client, make, handler)["intact"] is True
    assert phone() == "13812345678"


def test_qr_codes_and_checkpoints_signed_before_key_ids_stay_valid(app, client, make):
    """What was printed and stored by earlier releases (an HMAC without a key id) still verifies with its key."""
    secret = app.config["SECRET_KEY"].encode()
    squad = make.squad()
    officer, office = make.officer(squad=squad), make.office(squad)
    key = hashlib.sha256(b"community-office-qr:" + secret).digest()
    old_signature = base64.urlsafe_b64encode(
        hmac.new(key, f"{office.code}:1".encode(), hashlib.sha256).digest()[:12]).decode().rstrip("=")
    assert _scan(client, f"/c/{office.code}/1/{old_signature}").status_code == 200

    assert upload(client, make.headers(officer), unique_jpeg()).status_code == 201
    checkpoint = session.scalar(select(ChainCheckpoint).where(ChainCheckpoint.officer_id == officer.id))
    old_mac = hmac.new(secret, f"evidence-chain:{officer.id}:{checkpoint.seq}:{checkpoint.head_hash}".encode(),
                       hashlib.sha256).hexdigest()
    session.execute(update(ChainCheckpoint.__table__).where(ChainCheckpoint.__table__.c.officer_id == officer.id)
                    .values(mac=old_mac))
    assert _chain(client, make, officer)["intact"] is True
    session.execute(update(ChainCheckpoint.__table__).where(ChainCheckpoint.__table__.c.officer_id == officer.id)
                    .values(mac=old_mac[::-1]))
    assert _chain(client, make, officer)["problem"] == "checkpoint_forged"
