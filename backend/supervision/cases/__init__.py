"""Case timeliness (两超期两随意): cases imported from the case-handling system, flags and warnings."""
from backend.registry import SWEEP, Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "cases",
    models=("backend.supervision.cases.models",),
    blueprints=("backend.api.supervision.cases:blp",),
    cli=("backend.supervision.cases.cli:cases_cli",),
    jobs=(Job("cases.deadlines", {"minute": 20}, "backend.supervision.cases.jobs.hourly", period=SWEEP),),
    settings=(
        Setting(
            "CASE_REGISTRATION_DAYS",
            "15",
            int,
            "a case must be registered (立案) within this many days of discovery",
            example_default=True,
        ),
        Setting(
            "CASE_HANDLING_DAYS",
            "90",
            int,
            "a registered case must be closed within this many days",
            example_default=True,
        ),
        Setting(
            "CASE_WARNING_DAYS",
            "3",
            int,
            "warn the handling officer and leaders this many days before a deadline",
            example_default=True,
        ),
        Setting("CASE_OFFICER_URL", "https://localhost/app/cases/{id}", str, "light-app page of a case"),
    ),
    points_sources=("backend.supervision.cases.points",),
    points_items=(
        # counted from imported cases, or recorded by hand
        PointsItem("case_handled", "办结案件", "件", "勤务实绩", "0.50", "10", manual=True),
        PointsItem("case_overdue", "案件超期", "次", "执法规范", "-1.00", "10"),
        PointsItem("case_arbitrary", "随意撤案或撤销处罚", "次", "执法规范", "-2.00", "10"),
    ),
)
