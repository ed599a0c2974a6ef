"""Regulated objects (执法对象), their risk-and-credit grades and inspections (分级分类检查, 双随机一公开)."""
from backend.registry import Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "inspections",
    models=("backend.inspections.models",),
    blueprints=("backend.api.inspections.registry:blp", "backend.api.inspections.plans:blp",
                "backend.api.inspections.public:blp",
                "backend.api.inspections.results:blp", "backend.api.inspections.credit:blp"),
    cli=("backend.inspections.cli:inspections_cli",),
    jobs=(Job("inspections.regrade", {"hour": 4, "minute": 10}, "backend.inspections.scoring.regrade_all",
              catch_up=False),),
    points_sources=("backend.inspections.points",),
    points_items=(
        PointsItem("inspection_on_time", "检查按期完成", "次", "勤务实绩", "0.30", "6"),
        PointsItem("inspection_late", "检查逾期完成", "次", "勤务实绩", "0.10", "3"),
        PointsItem("inspection_overdue", "检查超期未完成（每天）", "天", "执法规范", "-0.20", "6"),
    ),
    today_items=("backend.inspections.today:due_inspections",),
    # Before migration 0190 a checklist item's photo was stored here; it is evidence now (copied to the evidence
    # folder), so nothing refers to this folder's files any more and the sweep deletes them once old.
    stored_files={"inspections": ()},
    encrypted={"backend.inspections.registry:contact_cipher":
               ("backend.inspections.models:RegulatedObject.contact_encrypted",)},
    settings=(
        Setting("INSPECTIONS_GRADE_INTERVAL_MONTHS", "high:1,medium:3,low:12", str,
                "months between inspections of an object of each risk grade, until the district sets its own "
                "(POST /api/inspections/grade-rules)", example_default=True),
        Setting("INSPECTIONS_INITIAL_GRADE", "medium", str, "risk grade of a newly registered object (high, medium, "
                "low)", example_default=True),
        Setting("INSPECTIONS_PHOTO_MAX_BYTES", str(10 * 1024 * 1024), int,
                "largest photo of a checklist item an inspector may upload, in bytes"),
        Setting("INSPECTIONS_MAX_RECTIFY_DAYS", "90", int, "latest rectification deadline after a failed "
                "inspection, in days (the re-inspection is due on it)", example_default=True),
        Setting("INSPECTIONS_MAX_MEETINGS", "4", int, "how many times one inspector may be drawn for the same object "
                "within a year (the draws of the year before a plan and the plan's own)", example_default=True),
        Setting("INSPECTIONS_GRADE_SCORING",
                "failed_inspection:3,case:3,complaint:1,work_order:1,clean_inspection:-2,"
                "raise_at:3,lower_at:-2,window_days:365,quiet_days:365,radius_m:30", str,
                "the grade rules until the district sets its own (POST /api/inspections/grade-scoring): the weight of "
                "each event about an object, the scores that raise or lower its grade one step, the days counted, "
                "the days without incident that lower it, how near a complaint or work order must be",
                example_default=True),
    ),
)
