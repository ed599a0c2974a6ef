"""Submitting evidence through the API, unique real photos (stored files are content-addressed), and the
stored files: what is there, a commit that fails after they were written, the orphan sweep."""
from __future__ import annotations

import io
import os
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import Image
from sqlalchemy import text

from backend.db import session
from backend.scheduler import JOBS, SUCCEEDED, run_job
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


def astronaut_mp4(frames: int = 36, fps: int = 12, size: tuple[int, int] = (640, 480), sound: bool = True,
                  portrait: bool = False) -> bytes:
    """A real H.264 MP4 (PyAV) of a real photograph: the astronaut drifting right on a plain wall, with a
    440 Hz tone (AAC) when `sound`; a few random pixels make the bytes new.

    `portrait`: filmed as a phone held upright films. The `size` pictures of the upright astronaut are
    stored turned a quarter anticlockwise (the sensor's landscape), and the track header's matrix tells
    players to turn them a quarter clockwise: (0, 1, -1, 0), the matrix phones write."""
    import av

    astronaut = unique_photo()
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height = size[::-1] if portrait else size
        video.pix_fmt = "yuv420p"
        if portrait:
            video.set_display_rotation(-90)  # FFmpeg counts anticlockwise
        audio = container.add_stream("aac", rate=44100) if sound else None
        for number in range(frames):
            canvas = Image.new("RGB", size, (90, 120, 150))
            canvas.paste(astronaut, (40 + 2 * number, 0))
            stored = canvas.transpose(Image.Transpose.ROTATE_90) if portrait else canvas
            container.mux(video.encode(av.VideoFrame.from_image(stored)))
        container.mux(video.encode(None))
        if audio is not None:
            samples = 44100 * frames // fps
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(samples) / 44100)).astype(np.float32)[np.newaxis]
            for start in range(0, samples, 1024):
                frame = av.AudioFrame.from_ndarray(tone[:, start:start + 1024], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 44100, start
                container.mux(audio.encode(frame))
            container.mux(audio.encode(None))
    return buffer.getvalue()


def decoded(data: bytes) -> tuple[list[np.ndarray], int]:
    """The frames of an MP4 as RGB arrays, and how many sound streams it has."""
    import av

    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)], \
            len(container.streams.audio)


def details(**overrides) -> dict:
    """Form fields of a submission: a fresh client id, a capture a few minutes ago at People's Square."""
    captured = datetime.now(UTC) - timedelta(minutes=5)
    values = {"client_id": str(uuid.uuid4()), "captured_at": captured.isoformat(), "lat": SHANGHAI_WGS84[0],
              "lng": SHANGHAI_WGS84[1], "coord_system": "wgs84", "accuracy_m": 8, "place": "黄浦区人民大道 200 号"}
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def upload(client, headers, data: bytes, content_type: str = "image/jpeg", filename: str = "photo.jpg", **fields):
    form = {name: str(value) for name, value in details(**fields).items()}
    form["file"] = (io.BytesIO(data), filename, content_type)
    return client.post("/api/evidence", headers=headers, data=form, content_type="multipart/form-data")


SWEEP = {job.id: job for job in JOBS}["files.sweep_orphans"]


def sweep_orphans(app) -> None:
    assert run_job(app, SWEEP, None) == SUCCEEDED


def age_files(storage, days: float) -> None:
    """Make every stored file look written `days` ago."""
    moment = time.time() - days * 86400
    for path in storage.root.rglob("*"):
        if path.is_file():
            os.utime(path, (moment, moment))


def stored_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["FILES_DIR"])
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@contextmanager
def commits_fail(action: str = "POST evidence.evidence_list"):
    """Make a request's commit really fail: the database refuses the audit row written at the request's end
    for `action` (method and endpoint)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text("create function refuse_upload() returns trigger language plpgsql as "
                             "$$ begin raise exception 'disk full'; end $$"))
        session.execute(text("create trigger refuse_upload before insert on audit_entry for each row "
                             f"when (new.action = '{action}') execute function refuse_upload()"))
        yield
        session.execute(text("drop trigger refuse_upload on audit_entry"))
        session.execute(text("drop function refuse_upload()"))
    else:
        session.execute(text("create trigger refuse_upload before insert on audit_entry "
                             f"when new.action = '{action}' "
                             "begin select raise(abort, 'disk full'); end"))
        yield
        session.execute(text("drop trigger refuse_upload"))
