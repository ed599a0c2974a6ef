"""The monthly report on a month built by hand: 及时处置率, 满意率 and repeat rate per squad, as JSON and Excel."""
from __future__ import annotations

import io

import time_machine
from openpyxl import load_workbook

from backend.community.models import ComplaintReport
from backend.community.models import Status as ComplaintStatus
from backend.community.privacy import new_tracking_code
from backend.db import session
from backend.orders.models import Status
from backend.org.models import Role
from tests.orders.builders import complaint, local, order, place


def a_month(make, squad, source_id):
    """March 2026 of a squad, and a second squad of the district with one order.

    squad: 10 items in March (6 orders, 4 complaints; one order on 28 February does not count);
    due 7 (o3 returned and c3 rejected are not the squad's, o7 is not yet due), on time 4 (o1, o6, c1, c4);
    rated 6 (回访 of o1, o6; ratings of c1, c2, c4 and a report linked to c4), satisfied 4 (o1 满意, o6 基本满意,
    c1 5 stars, c4 4 stars); one repeat (o6, 20 m from o1 and 29 days later) of 10.
    """
    office = make.office(squad)
    at_p = place(0)
    order(squad, source_id, "2026-03-02 09:00", resolved="2026-03-02 15:00", followup="satisfied", where=at_p)
    order(squad, source_id, "2026-03-05 09:00", resolved="2026-03-07 09:00")  # late, no 回访
    order(squad, source_id, "2026-03-10 09:00", status=Status.returned)
    order(squad, source_id, "2026-03-20 09:00")  # never resolved: late
    order(squad, source_id, "2026-02-28 23:30", resolved="2026-03-01 08:00", followup="dissatisfied", where=at_p)
    order(squad, source_id, "2026-03-31 23:30", resolved="2026-04-01 08:00", followup="basically_satisfied",
          where=place(20))
    order(squad, source_id, "2026-03-25 09:00", due_hours=2000)  # not due yet on 15 April
    complaint(make, office, "2026-03-03 09:00", resolved="2026-03-03 12:00", rating=5)
    complaint(make, office, "2026-03-04 09:00", resolved="2026-03-06 09:00", rating=3)
    complaint(make, office, "2026-03-12 09:00", status=ComplaintStatus.rejected)
    c4 = complaint(make, office, "2026-03-15 09:00", resolved="2026-03-15 10:00", rating=4)
    session.add(ComplaintReport(complaint=c4, tracking_code=new_tracking_code(), description="同一问题",
                                submitted_at=local("2026-03-15 09:30"), rating=2))
    other = make.squad(squad.district, name="南京西路中队")
    order(other, source_id, "2026-03-08 09:00", resolved="2026-03-08 10:00")
    session.commit()
    return other


def report(client, make, who, **query):
    return client.get("/api/orders/reports/monthly", headers=make.headers(who), query_string=query)


def test_the_months_rates_are_those_computed_by_hand(client, make, source, squad, admin):
    squad.name = '=HYPERLINK("http://evil.example","点我")'
    other = a_month(make, squad, source["id"])
    leader = make.officer(Role.squad_leader, squad=squad)
    with time_machine.travel(local("2026-04-15 12:00"), tick=False):
        rows = report(client, make, admin, month="2026-03").json
        mine = report(client, make, leader, month="2026-03").json
        export = client.get("/api/orders/reports/monthly/export", headers=make.headers(admin),
                            query_string={"month": "2026-03"})
    assert [row["squad_id"] for row in rows] == [squad.id, other.id]
    first, second = rows
    assert {k: first[k] for k in ("received", "due", "on_time", "rated", "satisfied", "repeats",
                                  "repeats_closed")} == {
        "received": 10, "due": 7, "on_time": 4, "rated": 6, "satisfied": 4, "repeats": 1, "repeats_closed": 0}
    assert (first["on_time_rate"], first["satisfaction_rate"], first["repeat_rate"]) == (0.5714, 0.6667, 0.1)
    assert (second["on_time_rate"], second["satisfaction_rate"], second["repeat_rate"]) == (1.0, None, 0.0)
    assert mine == [first]

    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(export.data)).active
    header, row, _ = list(sheet.iter_rows(values_only=True))
    assert header[5] == "及时处置率" and header[8] == "满意率" and header[10] == "重复率"
    assert row == ("'" + squad.name, "2026-03", 10, 7, 4, 0.5714, 6, 4, 0.6667, 1, 0.1, 0)  # the formula is text
    assert sheet["F2"].number_format == "0.0%"


def test_who_reads_the_report(client, make, source, squad, admin):
    other = a_month(make, squad, source["id"])
    leader = make.officer(Role.squad_leader, squad=squad)
    assert report(client, make, leader, month="2026-03", squad_id=other.id).status_code == 404
    assert report(client, make, make.officer(squad=squad), month="2026-03").status_code == 403
    assert report(client, make, make.officer(Role.district_admin), month="2026-03").json == []  # another district
    assert report(client, make, admin, month="2026-03", squad_id=other.id).json[0]["received"] == 1
    for bad in ({"month": "2026-13"}, {}, {"month": "2026-03", "squad_id": 2**64}, {"month": "9999-12"}):
        assert report(client, make, admin, **bad).status_code == 422
    empty = report(client, make, admin, month="2020-01").json
    assert [(r["received"], r["on_time_rate"]) for r in empty] == [(0, None), (0, None)]
