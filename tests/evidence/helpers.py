"""Submitting evidence through the API, and unique real photos (stored files are content-addressed)."""
from __future__ import annotations

import io
import os
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
from PIL import Image

from tests import photos

SHANGHAI_WGS84 = (31.2304, 121.4737)  # People's Square, as a phone's GPS (EXIF) writes it


def unique_photo(base: Image.Image | None = None) -> Image.Image:
    """A real photo with a few pixels changed in a corner, so its bytes (and SHA-256) are new."""
    image = (base or photos.astronaut()).copy()
    pixels = np.asarray(image).copy()
    pixels[:4, :24] = np.frombuffer(os.urandom(4 * 24 * 3), dtype=np.uint8).reshape(4, 24, 3)
    return Image.fromarray(pixels)


def unique_jpeg(**exif) -> bytes:
    return photos.encode(unique_photo(), exif=photos.camera_exif(**exif) if exif else None)


def mp4_bytes(seconds: float = 2.0, size: tuple[int, int] = (160, 120), fps: int = 10) -> bytes:
    """A real H.264 MP4 made with PyAV (FFmpeg)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        seed = uuid.uuid4().int % 200
        for number in range(int(seconds * fps)):
            frame = np.full((size[1], size[0], 3), (seed + number * 7) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def details(**overrides) -> dict:
    """Form fields of a submission: a fresh client id, a capture a few minutes ago at People's Square."""
    captured = datetime.now(timezone.utc) - timedelta(minutes=5)
    values = {"client_id": str(uuid.uuid4()), "captured_at": captured.isoformat(), "lat": SHANGHAI_WGS84[0],
              "lng": SHANGHAI_WGS84[1], "coord_system": "wgs84", "accuracy_m": 8, "place": "黄浦区人民大道 200 号"}
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def upload(client, headers, data: bytes, content_type: str = "image/jpeg", filename: str = "photo.jpg", **fields):
    form = {name: str(value) for name, value in details(**fields).items()}
    form["file"] = (io.BytesIO(data), filename, content_type)
    return client.post("/api/evidence", headers=headers, data=form, content_type="multipart/form-data")


def stored_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["FILES_DIR"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
