"""Notice numbers stay gapless when supervisors issue at the same moment (real threads, committed data)."""
import threading
from datetime import timedelta

from sqlalchemy import select

from backend.db import local_day, session
from backend.org.models import Officer, Role
from backend.supervision.findings.models import Notice, NoticeKind
from backend.supervision.findings.operations import issue_notice

ISSUERS = 6


def _issue_at_once(app, supervisor_ids, squad_id, barrier, outcomes, fail_one: bool):
    """Each thread: its own app context, session and connection; all start issuing together."""

    def work(index, supervisor_id):
        with app.app_context():
            try:
                barrier.wait()  # (before the first query: SQLite writers hold its lock from their first statement)
                actor = session.get(Officer, supervisor_id)
                notice = issue_notice(actor, kind=NoticeKind.supervise, squad_id=squad_id, problem="同时督办",
                                      requirement="按期整改", rectify_by=local_day() + timedelta(days=3))
                if fail_one and index == 0:
                    session.rollback()  # e.g. the request failed after taking a number
                    outcomes.append(("rolled back", notice.seq))
                else:
                    session.commit()
                    outcomes.append(("committed", notice.seq))
            except Exception as error:  # noqa: BLE001 — reported to the test thread
                outcomes.append(("error", repr(error)))
            finally:
                session.remove()

    threads = [threading.Thread(target=work, args=(i, sid)) for i, sid in enumerate(supervisor_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_simultaneous_issuers_get_consecutive_numbers(committed_app, make):
    district = make.district(name="普陀区")
    squad = make.squad(district)
    supervisor_ids = [make.officer(Role.supervisor, district=district).id for _ in range(ISSUERS)]
    session.commit()

    for fail_one in (False, True):
        outcomes = []
        _issue_at_once(committed_app, supervisor_ids, squad.id, threading.Barrier(ISSUERS), outcomes, fail_one)
        assert [o for o in outcomes if o[0] == "error"] == []
        assert len(outcomes) == ISSUERS

    with committed_app.extensions["db_engine"].connect() as conn:
        rows = conn.execute(select(Notice.seq, Notice.number).where(Notice.district_id == district.id)
                            .order_by(Notice.seq)).all()
    year = local_day().year
    assert [seq for seq, _ in rows] == list(range(1, 2 * ISSUERS))  # 11 committed, the rolled-back number reused
    assert rows[-1].number == f"普陀区城管督办〔{year}〕{2 * ISSUERS - 1}号"
