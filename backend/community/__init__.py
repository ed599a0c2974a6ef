"""Community offices' QR codes, residents' complaints and their handling (社区工作室 / 诉件)."""
from backend.registry import SWEEP, Domain, Job, PointsItem, Setting

DOMAIN = Domain(
    "community",
    models=("backend.community.models",),
    blueprints=("backend.api.community.views:blp",),
    jobs=(Job("community.overdue_warnings", {"minute": 10}, "backend.community.jobs.warn_overdue", period=SWEEP),),
    settings=(
        Setting(
            "COMMUNITY_PHONE_KEY", "", str, "key for residents' phone numbers at rest; empty: derived from SECRET_KEY"
        ),
        Setting("COMMUNITY_LIMIT_PER_ADDRESS", "20/hour", str, "complaints one network address may submit"),
        Setting("COMMUNITY_LIMIT_PER_PHONE", "10/day", str, "complaints one phone number may submit"),
        Setting("COMMUNITY_PHOTO_MAX_BYTES", "10000000", int, "largest resident or evidence photo"),
        Setting("COMMUNITY_OFFICER_URL", "https://localhost/app/complaints/{id}", str, "light-app page of a complaint"),
    ),
    points_sources=("backend.community.points",),
    points_items=(
        PointsItem("complaint_on_time", "诉件按时办结", "件", "为民服务", "0.50", "5"),
        PointsItem("complaint_late", "诉件超时办结", "件", "为民服务", "-1.00", "10"),
        PointsItem("resident_rating", "市民评价（较 3 星的净星数）", "星", "为民服务", "0.20", "3"),
    ),
    work_in_hand=("backend.community.dispatch:complaints_in_hand",),
    stored_files={"community": ("backend.community.models:ComplaintPhoto.storage_key",)},
    encrypted={"backend.community.privacy:phone_cipher": ("backend.community.models:Complaint.phone_encrypted",
                                                          "backend.community.models:ComplaintReport.phone_encrypted")},
)
