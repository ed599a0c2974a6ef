"""On-site evidence (现场取证): intake, validation, write-once storage, derivatives, hash chain, custody log.

A sibling of `backend/duty` rather than part of it: evidence has its own models, media handling,
integrity chain, custody log and jobs — more than duty's few hundred lines should carry.
"""
from pathlib import Path

from backend.registry import SWEEP, Domain, Job, Setting

INSTANCE = Path(__file__).resolve().parent.parent.parent / "instance"

DOMAIN = Domain(
    "evidence",
    models=("backend.evidence.models",),
    blueprints=("backend.api.evidence.views:blp",),
    cli=("backend.evidence.cli:evidence_cli",),
    jobs=(
        Job("evidence.verify_chains", {"hour": 3, "minute": 30}, "backend.evidence.jobs.verify_chains", catch_up=False),
        Job(
            "evidence.anchor_chains", {"minute": "*/15"}, "backend.evidence.anchor.anchor_chains", period=SWEEP
        ),  # a signed tree head of every chain, on write-once storage outside the database
        Job(
            "evidence.video_copies",
            {"minute": "*/2"},
            "backend.evidence.jobs.make_video_copies",
            period=SWEEP,
            executor="media",
        ),  # watermarked videos and redacted video exports, re-encoded off the request
    ),
    settings=(
        Setting("EVIDENCE_MAX_IMAGE_BYTES", "20971520", int, "largest evidence photo (20 MB)"),
        Setting("EVIDENCE_MAX_VIDEO_BYTES", "104857600", int, "largest evidence video (100 MB)"),
        Setting("EVIDENCE_MAX_VIDEO_SECONDS", "180", int, "longest evidence video"),
        Setting(
            "EVIDENCE_MAX_VIDEO_FPS", "60", int, "most frames a second a video may declare (and frames: this × length)"
        ),
        Setting(
            "EVIDENCE_VIDEO_COPY_MAX_SECONDS", "1800", int, "a video copy taking longer is stopped and marked failed"
        ),
        Setting(
            "EVIDENCE_VIDEO_COPY_MAX_MB", "1024", int, "memory one video copy may use (its process); beyond: failed"
        ),
        Setting("EVIDENCE_TIME_TOLERANCE_MINUTES", "10", int, "EXIF time further from the reported time is flagged"),
        Setting("EVIDENCE_PLACE_TOLERANCE_M", "200", int, "EXIF GPS further from the reported place is flagged"),
        Setting(
            "EVIDENCE_ANCHOR_FILE",
            str(INSTANCE / "evidence-tree-heads.jsonl"),
            str,
            "append-only file of the tree heads",
        ),
        Setting(
            "EVIDENCE_ANCHOR_S3_BUCKET", "", str, "a bucket with Object Lock for the tree heads instead of the file"
        ),
        Setting("EVIDENCE_ANCHOR_RETENTION_DAYS", "3650", int, "how long Object Lock keeps each tree head undeletable"),
    ),
    stored_files={
        "evidence": tuple(
            f"backend.evidence.models:{column}"
            for column in (
                "Evidence.original_key",
                "Evidence.watermarked_key",
                "Evidence.thumbnail_key",
                "VideoCopy.storage_key",
            )
        )
    },
)
