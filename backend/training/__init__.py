"""Training (培训): courses, plans and credit hours, live classes, exams; drills and the classroom screen.

Two entries in the list of domains: `DOMAIN` (courses, live classes, exams) and `DRILLS` (实战模拟 and the
smart classroom's big screen, which came later and are listed after points).
"""
from backend.registry import Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "training",
    models=("backend.training.models", "backend.training.exams.models"),
    blueprints=("backend.api.training.courses:blp", "backend.api.training.live_classes:blp",
                "backend.api.training.exams:blp"),
    jobs=(
        Job("training.close_expired_attempts", {"hour": 0, "minute": 5}, "backend.training.jobs.close_expired_attempts",
            catch_up=False),
    ),
    settings=(
        Setting("TRAINING_CREDIT_CATEGORIES", "online:在线网训:60,classroom:集中面授:24", str,
                "credit-hour categories and yearly hours: code:name:hours,…", example_default=True),
        Setting("TRAINING_MIN_PRESENCE_PERCENT", "80", int, "live-class credit needs this share of the session",
                example_default=True),
        Setting("TRAINING_HEARTBEAT_SECONDS", "30", int, "how often the light app sends a heartbeat in a live class"),
        Setting("TRAINING_HEARTBEAT_GAP_SECONDS", "90", int, "silence longer than this is a gap in presence"),
        Setting("TRAINING_JOIN_URL", "/app/training/join", str, "what a live class's join QR code opens"),
        Setting("TRAINING_JOIN_CODE_SECONDS", "60", int,
                "a class's join code changes this often; the previous one is still accepted"),
        Setting("TRAINING_JOIN_EARLY_MINUTES", "15", int, "trainees may join this long before the start"),
    ),
    points_sources=("backend.training.points",),
    points_items=(
        PointsItem("training_hours", "培训学时", "小时", "教育培训", "0.50", "5"),
        PointsItem("exam_passed", "考试通过", "次", "教育培训", "1.00", "3"),
        PointsItem("exam_failed", "考试未通过", "次", "教育培训", "-1.00", "3"),
    ),
    stored_files={"training/materials": ("backend.training.models:CourseMaterial.file_key",)},
)

DRILLS = Domain(
    "drills",
    models=("backend.training.drills.models",),
    blueprints=("backend.api.training.drills:blp", "backend.api.training.classroom:blp"),
    settings=(
        Setting("DRILL_PHOTO_MAX_BYTES", "10000000", int, "largest photo or frame of a gesture drill"),
        Setting("DRILL_MAX_FRAMES", "5", int, "photos (frames) one gesture attempt may upload; the best one counts"),
        Setting("CLASSROOM_POLL_SECONDS", "2", int, "how often the classroom big screen refreshes its figures"),
    ),
    points_sources=("backend.training.drills.points",),
    points_items=(
        PointsItem("drill_completed", "实战模拟训练", "次", "教育培训", "0.20", "2"),
    ),
    stored_files={"training/drill-attempts": ("backend.training.drills.models:DrillAttempt.image_key",)},
)
