"""Small crafted files that cost far more than their size (issue 15 §6): each is sent through HTTP to a
worker (the Flask app in a child process, SQLite and files in a temporary folder) and must be refused,
or processed, within a stated time and memory budget. Beside each, a normal file of the same kind is
sent in the same run; the ratio is the worker's peak memory during the crafted request over its peak
during the normal one.

Memory is measured, not guessed: before each request the child resets its peak (writing 5 to
/proc/self/clear_refs), afterwards it reads VmHWM; "+N MB" is the growth over what the process held
before the request. The crafted files are made here, before the child starts, so making them does not
count. Target per file: the answer named below, at most TIME_MAX_S seconds, a peak at most
RATIO_MAX × the normal file's. The video copy job makes each copy in a child process held to
EVIDENCE_VIDEO_COPY_MAX_MB (backend.evidence.video.in_child): there the peak is the child's, as it measured
it, against that budget; a crafted video's copy stops within the normal copy's time, a video of the largest
picture is made within its time budget (EVIDENCE_VIDEO_COPY_MAX_SECONDS).
Run on its own: `python -m bench.crafted_files`.
"""
from __future__ import annotations

import io
import json
import pickle
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_MAX_S = 5.0
RATIO_MAX = 1.2
CASE_HEADER = ["案件编号", "中队", "承办人工号", "发现日期"]


def _files() -> list[tuple]:
    """(kind, what, endpoint, bytes, filename, content type, expected status, expected code) — baseline first."""
    from PIL import Image

    from tests import crafted, photos
    from tests.evidence.helpers import astronaut_mp4, mp4_bytes
    from tests.training.test_bank import GOOD_ROWS
    from tests.training.xlsx import HEADER, xlsx

    big_jpeg = photos.encode(Image.open(io.BytesIO(photos.encode(photos.astronaut()))).resize((4000, 3000)))
    good_cases = "".join(f"B-{n},压测中队,B00001,2026-03-01\n" for n in range(100))
    last_cell = crafted.with_sheet(xlsx(GOOD_ROWS), lambda xml: xml.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    case_book = xlsx([["B-1", "压测中队", "B00001", "2026-03-01"]], CASE_HEADER)
    padded = crafted.with_sheet(case_book,
                                 lambda xml: xml.replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:XFD3"/>'))
    stem = xlsx([["单选", "题" * 20_000, "甲", "乙", None, None, "A", 1, None, None]])
    photo, evidence, bank, cases = (
        "照片",
        "/api/evidence",
        "/api/training/banks/{bank}/import",
        "/api/cases/import-file",
    )
    return [
        (photo, "12MP 手机照片（基线）", evidence, big_jpeg, "p.jpg", "image/jpeg", 201, None),
        (photo, "64MP PNG（纯色）", evidence, photos.encode(Image.new("RGB", (8000, 8000), (90, 90, 90)), "PNG"),
         "p.png", "image/png", 422, "too_many_pixels"),
        ("视频", "2 秒 640×480 视频（基线）", evidence, astronaut_mp4(frames=24), "v.mp4", "video/mp4", 201, None),
        ("视频", "样本表声称 5000 万个样本", evidence, crafted.lying_sample_table(), "v.mp4", "video/mp4", 422,
         "too_many_frames"),
        ("视频", "声明 16000×16000 画面", evidence, crafted.huge_declared_frame(), "v.mp4", "video/mp4", 422,
         "too_many_pixels"),
        ("视频", "盒子声明 64×64，编码头（SPS）为 8192×8192", evidence, crafted.big_frame_behind_small_boxes(), "v.mp4",
         "video/mp4", 422, "too_many_pixels"),
        ("视频", "20000 帧 × 1/90000 秒", evidence, crafted.many_tiny_frames(20_000), "v.mp4", "video/mp4", 422,
         "too_many_frames"),
        ("视频", "64×64 中途藏 8192×8192 帧（入库）", evidence,
         crafted.hidden_big_frame(((64, 64),) * 4 + ((8192, 8192),) + ((64, 64),) * 5), "v.mp4", "video/mp4", 201,
         None),
        ("水印副本", "2 秒 160×120 视频（基线）", "copy", mp4_bytes(seconds=2), "v.mp4", "video/mp4", 201, "made"),
        ("水印副本", "0.4 秒 3840×2160 视频（最大画面）", "copy", mp4_bytes(seconds=0.4, size=(3840, 2160), fps=5),
         "v.mp4", "video/mp4", 201, "made"),
        ("水印副本", "64×64 中途藏 8192×8192 帧", "copy",
         crafted.hidden_big_frame(((64, 64),) * 4 + ((8192, 8192),) + ((64, 64),) * 5), "v.mp4", "video/mp4", 201,
         "failed"),
        ("题库 Excel", "4 道题（基线）", bank, xlsx(GOOD_ROWS), "q.xlsx", None, 201, None),
        ("题库 Excel", "第 60000 行一个单元格", bank, crafted.sparse_workbook(HEADER, GOOD_ROWS[0]), "q.xlsx", None,
         422, "too_many_rows"),
        ("题库 Excel", "最后一行最后一列一个单元格（第 64 列之后不读）", bank, last_cell, "q.xlsx", None, 201, None),
        ("题库 Excel", "解压后 150 MB", bank, crafted.zip_bomb_workbook(xlsx(GOOD_ROWS)), "q.xlsx", None, 422,
         "spreadsheet_too_large"),
        ("题库 Excel", "200 万条共享文字", bank, crafted.many_texts_workbook(xlsx(GOOD_ROWS)), "q.xlsx", None, 422,
         "spreadsheet_too_large"),
        ("题库 Excel", "70 万个单元格格式", bank, crafted.many_styles_workbook(xlsx(GOOD_ROWS)), "q.xlsx", None, 422,
         "spreadsheet_too_large"),
        ("题库 Excel", "一行 200 万个单元格", bank, crafted.wide_row_workbook(xlsx(GOOD_ROWS)), "q.xlsx", None, 422,
         "spreadsheet_too_large"),
        ("题库 Excel", "表格 XML 残缺", bank, crafted.malformed_workbook(xlsx(GOOD_ROWS)), "q.xlsx", None, 422,
         "not_an_excel_file"),
        ("题库 Excel", "2 万字题干", bank, stem, "q.xlsx", None, 422, "excel_row_errors"),
        ("案件 CSV", "100 行（基线）", cases, (",".join(CASE_HEADER) + "\n" + good_cases).encode(), "c.csv", None, 200,
         None),
        ("案件 CSV", "100 万行（约 8 MB）", cases, crafted.many_rows_csv(CASE_HEADER), "c.csv", None, 422,
         "too_many_rows"),
        ("案件 CSV", "字段超过 128 KiB", cases, crafted.long_field_csv(CASE_HEADER), "c.csv", None, 422,
         "csv_malformed"),
        ("案件 CSV", "Excel 声明 16384 列", cases, padded, "c.xlsx", None, 200, None),
        ("案件 CSV", "Excel 表格 XML 残缺", cases, crafted.malformed_workbook(case_book), "c.xlsx", None, 422,
         "not_an_excel_file"),
    ]


def _peak_reset() -> int:
    """Reset the peak resident size; the resident size now (kB)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _status(field: str) -> int:
    return next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith(f"{field}:"))


def _measure(cases_file: Path) -> list[dict]:
    from datetime import datetime, timedelta

    from backend import create_app
    from backend.config import settings
    from backend.db import session
    from backend.evidence import video
    from backend.evidence.jobs import make_video_copies
    from backend.migrate import upgrade
    from backend.org.auth import issue_token
    from backend.org.models import District, Officer, Role, Squad
    from backend.training.exams.models import QuestionBank

    cases = pickle.loads(cases_file.read_bytes())
    folder = Path(tempfile.mkdtemp(prefix="bench-crafted-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "FILES_DIR": str(folder / "files"), "SCHEDULER_MODE": "off",
                      "SECRET_KEY": secrets.token_urlsafe(48)})
    results = []
    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        officer = Officer(badge_no="B00001", name="压测队员", role=Role.officer, district=district, squad=squad)
        admin = Officer(badge_no="B00900", name="压测管理", role=Role.district_admin, district=district)
        session.add_all([district, squad, officer, admin])
        session.flush()
        bank = QuestionBank(district_id=district.id, name="压测题库")
        session.add(bank)
        tokens = {who.id: issue_token(who, channel="password", ttl=timedelta(hours=2))[0] for who in (officer, admin)}
        session.commit()
        bank_id, officer_id, admin_id = bank.id, officer.id, admin.id
        config = settings()
        copy_budget_mb, copy_budget_s = config.EVIDENCE_VIDEO_COPY_MAX_MB, config.EVIDENCE_VIDEO_COPY_MAX_SECONDS
    # The copies' fork server starts (and imports PyAV) once, here, not during the first measured copy.
    video.in_child(len, b"", budget=video.Budget(frames=0, seconds=60, megabytes=copy_budget_mb))
    client = app.test_client()
    for number, (kind, what, endpoint, data, filename, content_type, status, code) in enumerate(cases):
        captured = datetime.now(UTC) - timedelta(minutes=5)
        evidence_form = {"client_id": f"bench-crafted-{number:03d}", "captured_at": captured.isoformat(),
                         "lat": "31.2304", "lng": "121.4737", "coord_system": "wgs84", "accuracy_m": "8",
                         "place": "压测地点"}
        who = admin_id if endpoint in ("/api/cases/import-file", "/api/training/banks/{bank}/import") else officer_id
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if endpoint == "copy":  # the upload is not measured, the copy job is (of this video alone)
            with app.app_context():
                make_video_copies()
            client.post("/api/evidence", headers=headers, content_type="multipart/form-data",
                        data={**evidence_form, "file": (io.BytesIO(data), filename, content_type)})
        form = {"file": (io.BytesIO(data), filename, content_type) if content_type else (io.BytesIO(data), filename)}
        if endpoint == "/api/evidence":
            form.update(evidence_form)
        before = _peak_reset()
        started = time.perf_counter()
        if endpoint == "copy":
            with app.app_context():
                outcome = make_video_copies()
            answer = (201, "made" if outcome["made"] else "failed")
            copy_peak = outcome["peak_mb"]
        else:
            response = client.post(endpoint.format(bank=bank_id), headers=headers, data=form,
                                   content_type="multipart/form-data")
            body = response.get_json(silent=True) or {}
            answer = (response.status_code, body.get("error"))
        elapsed = time.perf_counter() - started
        peak = _status("VmHWM")
        result = {"kind": kind, "what": what, "bytes": len(data), "status": answer[0], "code": answer[1],
                  "expected": [status, code], "seconds": elapsed, "peak_mb": peak / 1024,
                  "grown_mb": (peak - before) / 1024}
        if endpoint == "copy":
            result.update(copy_peak_mb=copy_peak, copy_budget_mb=copy_budget_mb, copy_budget_s=copy_budget_s)
        results.append(result)
    return results


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} KB"


def run() -> list[dict]:
    cases_file = Path(tempfile.mkdtemp(prefix="bench-crafted-files-")) / "cases.pickle"
    cases_file.write_bytes(pickle.dumps(_files()))
    child = subprocess.run([sys.executable, "-m", "bench.crafted_files", "--child", str(cases_file)], cwd=ROOT,
                           capture_output=True, text=True)
    if child.returncode:
        raise RuntimeError(child.stderr[-3000:])
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    rows, baseline = [], None
    for result in measured:
        if baseline is None or baseline["kind"] != result["kind"]:
            baseline = result
        shown = (f"{result['status']} {result['code'] or ''} {result['seconds']:.2f} s, "
                 f"峰值 {result['peak_mb']:.0f} MB (+{max(0.0, result['grown_mb']):.0f})")
        ratio, ratio_max = result["peak_mb"] / baseline["peak_mb"], RATIO_MAX
        time_max = baseline["seconds"] if result["kind"] == "水印副本" and result is not baseline else TIME_MAX_S
        if "copy_budget_mb" in result:  # the copy's own process, against its memory budget
            shown += f"；副本进程峰值 {result['copy_peak_mb']:.0f} MB（上限 {result['copy_budget_mb']} MB）"
            ratio, ratio_max = result["copy_peak_mb"] / result["copy_budget_mb"], 1.0
            time_max = result["copy_budget_s"] if result["expected"][1] == "made" else time_max
        answered = [result["status"], result["code"]] == result["expected"] or (
            result["expected"][1] is None and result["status"] == result["expected"][0])
        rows.append({
            "work": f"{result['kind']}：{result['what']}（{_size(result['bytes'])}）",
            "ours": shown,
            "baseline": "—" if result is baseline else f"{baseline['what']}: {baseline['seconds']:.2f} s, "
                                                       f"峰值 {baseline['peak_mb']:.0f} MB",
            "ratio": round(ratio, 2),
            "target": f"{result['expected'][0]} {result['expected'][1] or ''}, ≤ {time_max:.1f} s, ≤ {ratio_max}×"
                      + ("（副本进程峰值 / 内存上限）" if "copy_budget_mb" in result else ""),
            "met": answered and result["seconds"] <= max(time_max, 0.01) and ratio <= ratio_max,
        })
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure(Path(sys.argv[2]))))
    else:
        print(json.dumps(run(), ensure_ascii=False, indent=2))
