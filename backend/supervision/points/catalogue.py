"""The items a daily record counts, and the default scoring rules seeded for every district.

Example default rules, effective from 2020-01 (`district_id` NULL, shown as `source: example_default`).
The source documents name the cadence (日记实、月计分、季评价、年考核) but give no weights or caps:
every number below is an assumption, an example default the district confirms or replaces with its
own version of the item (README, "Where the numbers come from"):

| item                 | 名称                 | 单位 | 类别     | 每单位 | 月封顶 |
|----------------------|----------------------|------|----------|--------|--------|
| attendance           | 出勤                 | 天   | 出勤     | +0.20  | 5      |
| late                 | 迟到                 | 次   | 出勤纪律 | -1.00  | 10     |
| early_leave          | 早退                 | 次   | 出勤纪律 | -1.00  | 10     |
| absence              | 缺勤                 | 班次 | 出勤纪律 | -3.00  | 30     |
| out_of_area_rejected | 离开责任区域未获批准 | 次   | 岗位纪律 | -1.00  | 10     |
| patrol_km            | 巡查里程             | 公里 | 勤务实绩 | +0.10  | 5      |
| case_handled         | 办结案件             | 件   | 勤务实绩 | +0.50  | 10     |
| case_overdue         | 案件超期             | 次   | 执法规范 | -1.00  | 10     |
| case_arbitrary       | 随意撤案或撤销处罚   | 次   | 执法规范 | -2.00  | 10     |
| complaint_on_time    | 诉件按时办结         | 件   | 为民服务 | +0.50  | 5      |
| complaint_late       | 诉件超时办结         | 件   | 为民服务 | -1.00  | 10     |
| resident_rating      | 市民评价（较 3 星的净星数） | 星 | 为民服务 | +0.20 | 3  |
| finding_severity     | 督察发现问题（按严重程度计）| 级 | 督察     | -1.00  | 20     |
| training_hours       | 培训学时             | 小时 | 教育培训 | +0.50  | 5      |
| exam_passed          | 考试通过             | 次   | 教育培训 | +1.00  | 3      |
| exam_failed          | 考试未通过           | 次   | 教育培训 | -1.00  | 3      |
| commendation         | 表彰嘉奖             | 次   | 奖励     | +2.00  | 10     |
| drill_completed      | 实战模拟训练         | 次   | 教育培训 | +0.20  | 2      |

The monthly cap bounds the size of an item's points in a month (a deduction of at most 10, a bonus
of at most 5 ...). A month's score is POINTS_MONTHLY_BASE (100) + the capped item points + the
leader's adjustments. Migrations 0007 and 0012 seed exactly this table.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple


class ItemKind(NamedTuple):
    name: str
    unit: str
    manual: bool = False  # recorded by a leader rather than read from a domain


# Adding an item: one line here, a default rule below (and in a migration), and a source that yields it.
ITEMS: dict[str, ItemKind] = {
    "attendance": ItemKind("出勤", "天"),
    "late": ItemKind("迟到", "次"),
    "early_leave": ItemKind("早退", "次"),
    "absence": ItemKind("缺勤", "班次"),
    "out_of_area_rejected": ItemKind("离开责任区域未获批准", "次"),
    "patrol_km": ItemKind("巡查里程", "公里"),
    "case_handled": ItemKind("办结案件", "件", manual=True),  # from imported cases, or by hand
    "case_overdue": ItemKind("案件超期", "次"),
    "case_arbitrary": ItemKind("随意撤案或撤销处罚", "次"),
    "complaint_on_time": ItemKind("诉件按时办结", "件"),
    "complaint_late": ItemKind("诉件超时办结", "件"),
    "resident_rating": ItemKind("市民评价（较 3 星的净星数）", "星"),
    "finding_severity": ItemKind("督察发现问题（按严重程度计）", "级"),
    "training_hours": ItemKind("培训学时", "小时"),
    "exam_passed": ItemKind("考试通过", "次"),
    "exam_failed": ItemKind("考试未通过", "次"),
    "commendation": ItemKind("表彰嘉奖", "次", manual=True),
    "drill_completed": ItemKind("实战模拟训练", "次"),
}

DEFAULTS_EFFECTIVE_FROM = date(2020, 1, 1)

# (item, category, points per unit, monthly cap)
DEFAULT_RULES: list[tuple[str, str, Decimal, Decimal | None]] = [
    ("attendance", "出勤", Decimal("0.20"), Decimal("5")),
    ("late", "出勤纪律", Decimal("-1.00"), Decimal("10")),
    ("early_leave", "出勤纪律", Decimal("-1.00"), Decimal("10")),
    ("absence", "出勤纪律", Decimal("-3.00"), Decimal("30")),
    ("out_of_area_rejected", "岗位纪律", Decimal("-1.00"), Decimal("10")),
    ("patrol_km", "勤务实绩", Decimal("0.10"), Decimal("5")),
    ("case_handled", "勤务实绩", Decimal("0.50"), Decimal("10")),
    ("case_overdue", "执法规范", Decimal("-1.00"), Decimal("10")),
    ("case_arbitrary", "执法规范", Decimal("-2.00"), Decimal("10")),
    ("complaint_on_time", "为民服务", Decimal("0.50"), Decimal("5")),
    ("complaint_late", "为民服务", Decimal("-1.00"), Decimal("10")),
    ("resident_rating", "为民服务", Decimal("0.20"), Decimal("3")),
    ("finding_severity", "督察", Decimal("-1.00"), Decimal("20")),
    ("training_hours", "教育培训", Decimal("0.50"), Decimal("5")),
    ("exam_passed", "教育培训", Decimal("1.00"), Decimal("3")),
    ("exam_failed", "教育培训", Decimal("-1.00"), Decimal("3")),
    ("commendation", "奖励", Decimal("2.00"), Decimal("10")),
    ("drill_completed", "教育培训", Decimal("0.20"), Decimal("2")),
]
