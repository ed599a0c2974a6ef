"""Ingesting a 12-megapixel evidence photo, against bare Pillow decode + draw + encode of the same file.

Ours is the whole intake below HTTP (`backend.evidence.operations.submit_evidence`): size and magic
checks, Pillow verify + full decode, the EXIF structure check, SHA-256, EXIF time and GPS compared
with the reported ones, the thumbnail, the watermark drawn and encoded (JPEG q90), the chain link,
the insert, and the original + copies written to local storage (SQLite and FILES_DIR in a
temporary folder). The baseline decodes the same file, draws the same three lines on it and
encodes it with the same settings. Each side runs on distinct files (storage is content-addressed),
alternating, and the medians are compared.

Target (issue 4): at most 1.5× the bare time; peak memory of the process at most 400 MB (measured
in a child process that does only this: the photos are made beforehand, other benchmarks do not count).
Run on its own: `python -m bench.evidence_ingest`.
"""
from __future__ import annotations

import io
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (4000, 3000)
ROUNDS = 5
TARGET = {"ratio_max": 1.5, "peak_mb_max": 400}


def _photo(seed: int) -> bytes:
    """A 12-megapixel JPEG with a phone's EXIF: real photographs (scikit-image) tiled, with sensor noise."""
    import numpy as np
    import skimage.data
    from PIL import Image

    from tests import photos

    tiles = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.rocket(), skimage.data.chelsea()]
    canvas = Image.new("RGB", SIZE)
    for index in range(4):
        tile = Image.fromarray(tiles[(index + seed) % 4]).resize((SIZE[0] // 2, SIZE[1] // 2), Image.Resampling.BICUBIC)
        canvas.paste(tile, ((index % 2) * SIZE[0] // 2, (index // 2) * SIZE[1] // 2))
    noise = np.random.default_rng(seed).normal(0, 4, (SIZE[1], SIZE[0], 3))
    pixels = np.clip(np.asarray(canvas, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    exif = photos.camera_exif(taken="2026:11:23 09:55:00", gps=(31.2304, 121.4737))
    return photos.encode(Image.fromarray(pixels), exif=exif, quality=92)


def _bare(data: bytes, lines: list[str]) -> None:
    from PIL import Image

    from backend.evidence.media import draw_watermark

    image = Image.open(io.BytesIO(data))
    image.load()
    draw_watermark(image, lines).save(io.BytesIO(), "JPEG", quality=90)


def _measure(photo_dir: Path) -> dict:
    from backend import create_app
    from backend.db import session
    from backend.evidence.media import watermark_lines
    from backend.evidence.operations import submit_evidence
    from backend.migrate import upgrade
    from backend.org.models import District, Officer, Role, Squad

    folder = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48), "FILES_DIR": str(folder / "files"),
                      "SCHEDULER_MODE": "off"})
    files = [path.read_bytes() for path in sorted(photo_dir.glob("*.jpg"))]
    captured = datetime.now(UTC) - timedelta(minutes=5)
    lines = watermark_lines(captured, "黄浦区人民大道 200 号", "B00001", "0" * 64)
    ours, bare = [], []
    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        officer = Officer(badge_no="B00001", name="压测队员", role=Role.officer, district=district, squad=squad)
        session.add_all([district, squad, officer])
        session.commit()
        for round_no in range(ROUNDS + 1):  # round 0 warms up (font, imports, first file)
            data = files[2 * round_no]
            started = time.perf_counter()
            submit_evidence(officer, client_id=f"bench-{round_no:04d}", data=data, content_type="image/jpeg",
                            captured_at=captured, lat=31.2304, lng=121.4737, coord_system="wgs84", accuracy_m=8,
                            place="黄浦区人民大道 200 号")
            session.commit()
            elapsed_ours = time.perf_counter() - started
            started = time.perf_counter()
            _bare(files[2 * round_no + 1], lines)
            elapsed_bare = time.perf_counter() - started
            if round_no:
                ours.append(elapsed_ours)
                bare.append(elapsed_bare)
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak.
    peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    peak_mb = peak_kb / 1024
    return {"ours_s": statistics.median(ours), "bare_s": statistics.median(bare), "peak_mb": round(peak_mb),
            "file_mb": round(len(files[0]) / 1e6, 1)}


def run() -> dict:
    photo_dir = Path(tempfile.mkdtemp(prefix="bench-evidence-photos-"))
    for seed in range(2 * ROUNDS + 2):  # made here, so generating them does not count towards the child's memory
        (photo_dir / f"{seed:02d}.jpg").write_bytes(_photo(seed))
    child = subprocess.run([sys.executable, "-m", "bench.evidence_ingest", "--child", str(photo_dir)], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    ratio = measured["ours_s"] / measured["bare_s"]
    return {
        "work": f"取证入库 1 张 12MP JPEG（{measured['file_mb']} MB）：校验+哈希+EXIF+水印+缩略图+存储",
        "ours": f"{measured['ours_s'] * 1000:.0f} ms, 峰值内存 {measured['peak_mb']} MB",
        "baseline": f"{measured['bare_s'] * 1000:.0f} ms (Pillow 解码+绘制+编码)",
        "ratio": round(ratio, 2),
        "target": f"≤ {TARGET['ratio_max']}×, 峰值内存 ≤ {TARGET['peak_mb_max']} MB",
        "met": ratio <= TARGET["ratio_max"] and measured["peak_mb"] <= TARGET["peak_mb_max"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure(Path(sys.argv[2]))))
    else:
        print(json.dumps(run(), ensure_ascii=False, indent=2))
