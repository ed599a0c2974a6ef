"""Non-site decisions: generating BENCH_NONSITE_DECISIONS (1,000, issue 20) 行政处罚决定书 PDFs, against the bare
PDF library on the same template.

Ours: `backend.nonsite.legal.decide` for each of 1,000 cases whose statement period has ended, one commit
each, on PostgreSQL: the 文号 (numbered per district, kind and year), the content and its hash, the PDF
(reportlab, CID font, the seal image), its hash and the keyring's seal signature, the document row, the
outbox row to 随申办 carrying the PDF. Baseline: reportlab drawing the same template for the same content
alone (`backend.nonsite.pdf.render`: canvas, text, seal image, save), in alternating blocks of 100.
Peak memory is the child process's VmHWM (it does only this); the cases are made beforehand in it.
Target (issue 20): the ratio reported; peak memory at most 400 MB; 1,000 documents with distinct numbers.
Run on its own: `python -m bench nonsite_documents` (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/bench_nonsite_docs; emptied first, dropped afterwards).
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._support import ROOT, drop_postgres, fresh_postgres

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/bench_nonsite_docs")
DECISIONS = int(os.environ.get("BENCH_NONSITE_DECISIONS", "1000"))
BLOCK = 100
TARGET = {"peak_mb_max": 400}


def _cases(app) -> tuple[int, list[int]]:
    """A squad leader and DECISIONS cases at the end of their statement period (their notices delivered)."""
    from backend.db import session, utcnow
    from backend.nonsite.models import Alert, CaseState, Decision, NonsiteCase
    from backend.nonsite.operations import register_camera
    from backend.org.models import District, Officer, Role, Squad

    with app.app_context():
        district = District(code="BENCH", name="压测区")
        squad = Squad(district=district, name="压测中队")
        admin = Officer(badge_no="A00001", name="区管理员", role=Role.district_admin, district=district)
        leader = Officer(badge_no="L00001", name="压测中队长", role=Role.squad_leader, district=district, squad=squad)
        session.add_all([district, squad, admin, leader])
        session.flush()
        camera = register_camera(admin, code="BENCHCAM", name="压测路口", sender="vision", place="静安区压测路 1 号",
                                 lat=31.27, lng=121.45, kinds=["muck_uncovered"], squad_id=squad.id)
        now = utcnow()
        cases = []
        for n in range(DECISIONS):
            alert = Alert(sender="vision", alert_id=f"VA{n:08d}", body_sha256=uuid.uuid4().hex * 2, camera=camera,
                          squad_id=squad.id, kind="muck_uncovered", occurred_at=now - timedelta(days=10),
                          last_seen_at=now - timedelta(days=10), place=camera.place, confidence=0.9,
                          plate=f"沪A{n:05d}", decision=Decision.confirmed, decided_by=leader.id,
                          decided_at=now - timedelta(days=9))
            cases.append(NonsiteCase(alert=alert, squad_id=squad.id, state=CaseState.statement, opened_by=leader.id,
                                     opened_at=now - timedelta(days=9), facts=f"沪A{n:05d} 渣土车车厢未密闭，沿途泄漏",
                                     legal_basis="《上海市市容环境卫生管理条例》第二十四条", fine=2000,
                                     submitted_by=leader.id, statement_due_at=now - timedelta(hours=1)))
        session.add_all(cases)
        session.commit()
        return leader.id, [case.id for case in cases]


def _peak_mb() -> int:
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak.
    return round(next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                      if line.startswith("VmHWM:")) / 1024)


def _measure() -> dict:
    from backend import create_app
    from backend.db import session
    from backend.migrate import upgrade
    from backend.nonsite import legal, pdf
    from backend.nonsite.models import CaseDocument, DocumentKind
    from backend.org.models import Officer

    fresh_postgres(DB_URL)
    upgrade(DB_URL)
    app = create_app({"DATABASE_URL": DB_URL, "SECRET_KEY": secrets.token_hex(24), "SCHEDULER_MODE": "off",
                      "LOG_LEVEL": "WARNING", "NONSITE_SENDER_KEYS": "vision=bench-key",
                      "FILES_DIR": tempfile.mkdtemp(prefix="bench-nonsite-documents-")})
    try:
        leader_id, case_ids = _cases(app)
        before_mb = _peak_mb()
        timing, sizes = {"ours": 0.0, "bare": 0.0}, []
        with app.app_context():
            leader = session.get(Officer, leader_id)
            for start in range(0, len(case_ids), BLOCK):
                block = case_ids[start:start + BLOCK]
                began = time.perf_counter()
                for case_id in block:
                    legal.decide(leader, case_id)
                    session.commit()
                timing["ours"] += time.perf_counter() - began
                contents = list(session.scalars(select(CaseDocument.content).where(
                    CaseDocument.case_id.in_(block), CaseDocument.kind == DocumentKind.decision)))
                began = time.perf_counter()
                sizes += [len(pdf.render(content, "压测区")) for content in contents]
                timing["bare"] += time.perf_counter() - began
                session.expunge_all()  # a district's worker does not keep every case it decided in memory
            documents = session.scalar(select(func.count()).select_from(CaseDocument).where(
                CaseDocument.kind == DocumentKind.decision))
            numbers = session.scalar(select(func.count(func.distinct(CaseDocument.number))))
    finally:
        app.extensions["db_engine"].dispose()
        drop_postgres(DB_URL)
    return {**timing, "documents": documents, "numbers": numbers, "peak_mb": _peak_mb(),
            "peak_before_mb": before_mb, "pdf_kb": round(sum(sizes) / len(sizes) / 1000, 1)}


def run() -> dict:
    child = subprocess.run([sys.executable, "-m", "bench.nonsite_documents", "--child"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    exact = measured["documents"] == measured["numbers"] == DECISIONS
    assert exact, measured
    ratio = measured["ours"] / measured["bare"]
    return {
        "work": f"{DECISIONS} 份行政处罚决定书：文号+内容哈希+PDF（{measured['pdf_kb']} KB）+电子印章签名+入库"
                "+待发随申办，PostgreSQL",
        "ours": f"{measured['ours'] / DECISIONS * 1000:.1f} ms/份（共 {measured['ours']:.1f} s），"
                f"峰值内存 {measured['peak_mb']} MB（生成前 {measured['peak_before_mb']} MB）",
        "baseline": f"{measured['bare'] / DECISIONS * 1000:.1f} ms/份（reportlab 同一模板）",
        "ratio": round(ratio, 2),
        "target": f"ratio reported; 峰值内存 ≤ {TARGET['peak_mb_max']} MB; 文号各不相同",
        "met": exact and measured["peak_mb"] <= TARGET["peak_mb_max"],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure()))
    else:
        print(json.dumps(run(), ensure_ascii=False, indent=2))
