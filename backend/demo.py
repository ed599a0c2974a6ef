"""Demo data for a first look: one district, two squads, people of every role, two community offices."""
from __future__ import annotations

from sqlalchemy import select

from backend.db import session
from backend.nonsite.calendar import EXAMPLE_2026
from backend.nonsite.models import CalendarDay
from backend.org.auth import hash_password
from backend.org.models import CommunityOffice, District, Officer, Role, Squad

DEMO_PASSWORD = "chengguan-demo"

# badge, name, role, squad index (None for district staff), WeChat UserId
PEOPLE = [
    ("JA0001", "陈建国", Role.district_admin, None, "chenjianguo"),
    ("JA0002", "刘敏", Role.supervisor, None, "liumin"),
    ("JA0003", "王老师", Role.trainer, None, "wanglaoshi"),
    ("JA0004", "吴律", Role.legal_reviewer, None, "wulv"),
    ("JA1001", "张伟", Role.squad_leader, 0, "zhangwei"),
    ("JA1002", "李娜", Role.officer, 0, "lina"),
    ("JA1003", "王强", Role.officer, 0, "wangqiang"),
    ("JA2001", "赵磊", Role.squad_leader, 1, "zhaolei"),
    ("JA2002", "孙丽", Role.officer, 1, "sunli"),
    ("JA2003", "周杰", Role.officer, 1, "zhoujie"),
]


def load_demo() -> bool:
    """Insert the demo org unless it is there already; True if it was inserted."""
    if session.scalar(select(District.id).where(District.code == "JA")) is not None:
        return False
    district = District(code="JA", name="静安区城管执法局", wechat_department_id=10)
    squads = [
        Squad(district=district, name="静安寺街道中队", wechat_department_id=11),
        Squad(district=district, name="南京西路街道中队", wechat_department_id=12),
    ]
    session.add_all([district, *squads])
    password_hash = hash_password(DEMO_PASSWORD)
    for badge_no, name, role, squad_index, userid in PEOPLE:
        session.add(Officer(
            badge_no=badge_no, name=name, role=role, district=district, active=True,
            squad=squads[squad_index] if squad_index is not None else None,
            phone=f"1380000{badge_no[-4:]}", wechat_userid=userid, password_hash=password_hash,
        ))
    session.add_all([
        CommunityOffice(code="JA-JAS-01", name="静安寺街道城管社区工作室（华山居委）", squad=squads[0],
                        residential_committee="华山居委会", address="静安区华山路 228 号",
                        lat=31.2235, lng=121.4452),
        CommunityOffice(code="JA-NJX-01", name="南京西路街道城管社区工作室（大田居委）", squad=squads[1],
                        residential_committee="大田居委会", address="静安区大田路 470 号",
                        lat=31.2376, lng=121.4640),
    ])
    session.flush()
    session.add_all(CalendarDay(district_id=district.id, day=day, working=working, name=name)
                    for day, working, name in EXAMPLE_2026)  # an example year: the seeds give no calendar
    return True
