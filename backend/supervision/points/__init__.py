"""Points (考核): daily records, scoring rules, monthly points, leaders' review, explanations."""
from decimal import Decimal

from backend.registry import Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "points",
    models=("backend.supervision.points.models",),
    blueprints=("backend.api.supervision.points:blp",),
    cli=("backend.supervision.points.cli:points_cli",),
    jobs=(
        Job("points.daily_records", {"hour": 1, "minute": 30}, "backend.supervision.points.jobs.daily_records",
            lag=1),  # yesterday's 日记实, after duty.close_day
        Job("points.monthly_points", {"day": 1, "hour": 3}, "backend.supervision.points.jobs.monthly_points",
            period="month", lag=1),  # last month's 月计分 drafts
        Job("points.lock_months", {"hour": 5}, "backend.supervision.points.jobs.lock_months"),  # published → locked
    ),
    # The example defaults' meanings are in Chinese: GET /api/points/parameters shows them to the district. They
    # are the deployment's default; a district's own values are data from a month on (parameters.py).
    settings=(
        Setting("POINTS_MONTHLY_BASE", "100", Decimal, "月计分的基础分", example_default=True),
        Setting("POINTS_ADJUSTMENT_LIMIT", "10", Decimal, "领导每次调整的分值上限（±）", example_default=True),
        Setting("POINTS_LOCK_DAY", "10", int, "已公布的月积分于次月第几日锁定", example_default=True),
        Setting("POINTS_RATING_BONUS", "excellent:2,good:1,fair:0,poor:-2", str,
                "季评价等次（优、良、中、差）计入得分的加减分", example_default=True),
        Setting("POINTS_QUARTER_GRADES", "好:100,较好:95,一般:90", str, "季评价等次的最低得分（低于最低者为差）",
                example_default=True),
        Setting("POINTS_EXCELLENT_QUOTA_PERCENT", "20", int, "年考核优秀名额占中队人数的百分比（向下取整）",
                example_default=True),
        Setting("POINTS_EXCELLENT_FLOOR", "100", Decimal, "年考核优秀的最低得分", example_default=True),
        Setting("POINTS_BASIC_FLOOR", "95", Decimal, "年考核低于此分为基本称职", example_default=True),
        Setting("POINTS_UNQUALIFIED_FLOOR", "90", Decimal, "年考核低于此分为不称职", example_default=True),
        Setting("POINTS_SHEET_URL", "https://localhost/app/points/monthly/{id}", str,
                "light-app page of a month sheet (WeChat card link)"),
    ),
    points_sources=("backend.supervision.points.sources",),  # its own: items leaders record by hand
    points_items=(
        PointsItem("commendation", "表彰嘉奖", "次", "奖励", "2.00", "10", manual=True),
    ),
)
