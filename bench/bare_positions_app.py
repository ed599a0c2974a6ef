"""The bare endpoint the positions intake is measured against (bench/positions.py): a minimal Flask app doing
the same bare write, the batch's pings in one INSERT and a commit, with nothing of ours around it (no token,
no validation, no shift, no track, no audit). Served by gunicorn exactly as the real app is.

It stores every ping for one officer's shift (BARE_OFFICER_ID, BARE_SHIFT_ID), its step left at zero.
Not a module the benchmark runner calls (bench/__main__.py skips names starting with "_"; this one has no
`run`): `gunicorn bench.bare_positions_app:app`.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, request
from sqlalchemy import create_engine, insert

from backend.duty.models import Position

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_size=8, max_overflow=0)
OFFICER_ID, SHIFT_ID = int(os.environ.get("BARE_OFFICER_ID", "0")), int(os.environ.get("BARE_SHIFT_ID", "0"))
INSERT = insert(Position.__table__)


@app.get("/api/health")
def health():
    return {"status": "ok"}


@app.post("/positions")
def positions():
    now = datetime.now(UTC)
    rows = [{"client_id": p["client_id"], "officer_id": OFFICER_ID, "shift_id": SHIFT_ID, "source": "app",
             "recorded_at": datetime.fromisoformat(p["client_at"]), "received_at": now, "late_sync": False,
             "lat": p["lat"], "lng": p["lng"], "coord_system": p["coord_system"], "accuracy_m": p["accuracy_m"],
             "inside": None, "step_m": 0.0, "step_seconds": 0, "step_inside_seconds": 0}
            for p in request.get_json()["positions"]]
    with engine.begin() as conn:
        conn.execute(INSERT, rows)  # one INSERT … VALUES (…), (…) for the batch (insertmanyvalues)
    return {"accepted": len(rows)}
