"""Duty (勤务): posts and geofences, rosters, check-in and check-out, offline sync, patrol tracks, daily facts."""
from backend.registry import Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "duty",
    models=("backend.duty.models",),
    blueprints=("backend.api.duty.views:blp", "backend.api.duty.attendance:blp",
                "backend.api.duty.board:blp"),
    jobs=(
        Job("duty.close_day", {"hour": 0, "minute": 20}, "backend.duty.jobs.close_day", lag=1),  # yesterday's shifts
        Job(
            "duty.shift_reminders", {"hour": 6, "minute": 30}, "backend.duty.jobs.send_shift_reminders", catch_up=False
        ),
        # PostgreSQL: this month's and the next months' position partitions; months past retention archived, dropped
        Job("duty.position_partitions", {"day": 1, "hour": 0, "minute": 5}, "backend.duty.jobs.position_partitions",
            period="month", executor="long"),
    ),
    settings=(
        Setting("DUTY_GRACE_MINUTES", "5", int, "check-in later than shift start + this is late", example_default=True),
        Setting(
            "DUTY_EARLIEST_CHECK_IN_MINUTES",
            "60",
            int,
            "check-in earlier than this before the start is refused",
            example_default=True,
        ),
        Setting(
            "DUTY_MAX_ACCURACY_ALLOWANCE_M", "100", int, "GPS accuracy counted towards the fence at most this much"
        ),
        Setting("DUTY_MAX_ACCURACY_M", "2000", int, "reported accuracy worse than this is absurd and refused"),
        Setting(
            "DUTY_LATE_SYNC_MINUTES", "10", int, "submissions received this long after their client time are flagged"
        ),
        Setting("DUTY_SYNC_WINDOW_HOURS", "72", int, "client times older than this are refused"),
        Setting(
            "DUTY_CLOCK_SKEW_SECONDS", "120", int, "client times ahead of the server by more than this are refused"
        ),
        Setting("DUTY_SELFIE_MAX_BYTES", "5000000", int, "largest check-in selfie"),
        Setting(
            "DUTY_TRACK_MAX_GAP_MINUTES",
            "10",
            int,
            "a gap between pings longer than this counts as absent",
            example_default=True,
        ),
        Setting(
            "DUTY_POSITION_RETENTION_MONTHS",
            "13",
            int,
            "months of patrol positions kept, the current one included (PostgreSQL); older months are archived "
            "to file storage, then dropped; below 1 is refused at start",
            example_default=True,
            check="backend.duty.partitions:check_retention",
        ),
        Setting(
            "DUTY_POSITION_MONTHS_AHEAD",
            "2",
            int,
            "monthly partitions of patrol positions created this many months ahead (PostgreSQL; at least 1)",
            check="backend.duty.partitions:check_months_ahead",
        ),
        Setting("DUTY_REMINDER_URL", "https://localhost/app/duty/today", str, "link in the morning shift reminder"),
    ),
    points_sources=("backend.duty.points",),
    points_items=(
        PointsItem("attendance", "出勤", "天", "出勤", "0.20", "5"),
        PointsItem("late", "迟到", "次", "出勤纪律", "-1.00", "10"),
        PointsItem("early_leave", "早退", "次", "出勤纪律", "-1.00", "10"),
        PointsItem("absence", "缺勤", "班次", "出勤纪律", "-3.00", "30"),
        PointsItem("out_of_area_rejected", "离开责任区域未获批准", "次", "岗位纪律", "-1.00", "10"),
        PointsItem("patrol_km", "巡查里程", "公里", "勤务实绩", "0.10", "5"),
    ),
    stored_files={"duty/selfies": ("backend.duty.models:DutyCheck.selfie_key",),
                  "duty/position-archives": ("backend.duty.models:PositionArchive.storage_key",)},
)
