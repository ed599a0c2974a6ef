"""Community offices' QR codes, residents' complaints and their handling (社区工作室 / 诉件)."""
from backend.registry import SWEEP, Domain, Job, Setting

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
    stored_files={"community": ("backend.community.models:ComplaintPhoto.storage_key",)},
)
