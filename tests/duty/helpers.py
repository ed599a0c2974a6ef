"""Shared helpers for duty tests: a check payload at a post, metres to degrees, Chinese refusals."""
from __future__ import annotations

import uuid
from datetime import datetime

METRES_PER_DEGREE_LAT = 111195.0


def north_of(lat: float, metres: float) -> float:
    return lat + metres / METRES_PER_DEGREE_LAT


def check_payload(shift, at: datetime, *, lat: float = 31.2304, lng: float = 121.4737, accuracy_m: float = 10,
                  **extra) -> dict:
    return {"client_id": str(uuid.uuid4()), "shift_id": shift.id, "client_at": at.isoformat(), "lat": lat,
            "lng": lng, "coord_system": "gcj02", "accuracy_m": accuracy_m, **extra}


def refused_in_chinese(response, status: int, code: str) -> bool:
    """The answer is a refusal with this status and code, and a message a person can read (Chinese)."""
    body = response.json
    return (response.status_code, body["error"]) == (status, code) and any("\u4e00" <= ch <= "\u9fff"
                                                                          for ch in body["message"])
