"""Settings from the environment (a `.env` file is read if present); SQLite + local files by default."""
import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name: (default, parser). The README documents every one of these.
SETTINGS = {
    "DATABASE_URL": (f"sqlite:///{ROOT / 'instance' / 'chengguan.db'}", str),
    "SECRET_KEY": ("", str),  # at least 32 random bytes; signs QR codes, links, checkpoints (backend/keys.py)
    "SECRET_KEYS_PREVIOUS": ("", str),  # retired keys still accepted, comma-separated, newest first
    "DEMO_MODE": ("0", bool),  # `make run`: without SECRET_KEY, use a key made once in instance/secret_key
    "FILES_DIR": (str(ROOT / "instance" / "files"), str),
    "STORAGE_S3_BUCKET": ("", str),  # set to store files in an S3-compatible bucket instead of FILES_DIR
    "STORAGE_S3_ENDPOINT_URL": ("", str),  # e.g. a MinIO or cloud object storage address; empty: AWS
    "STORAGE_S3_REGION": ("", str),
    "STORAGE_S3_ACCESS_KEY_ID": ("", str),  # empty: boto3's usual credential chain
    "STORAGE_S3_SECRET_ACCESS_KEY": ("", str),
    "IMAGE_MAX_PIXELS": ("25000000", int),  # largest photo of any kind (width × height), checked before decoding
    "EVIDENCE_MAX_IMAGE_BYTES": ("20971520", int),  # largest evidence photo (20 MB)
    "EVIDENCE_MAX_VIDEO_BYTES": ("104857600", int),  # largest evidence video (100 MB)
    "EVIDENCE_MAX_VIDEO_SECONDS": ("180", int),  # longest evidence video
    "EVIDENCE_MAX_VIDEO_FPS": ("60", int),  # most frames a second a video may declare (and frames: this × length)
    "EVIDENCE_VIDEO_COPY_MAX_SECONDS": ("1800", int),  # a video copy taking longer is stopped and marked failed
    "EVIDENCE_TIME_TOLERANCE_MINUTES": ("10", int),  # EXIF time further from the reported time is flagged
    "EVIDENCE_PLACE_TOLERANCE_M": ("200", int),  # EXIF GPS further from the reported place is flagged
    "SPREADSHEET_MAX_UNPACKED_BYTES": ("50000000", int),  # an uploaded workbook unpacking to more is refused
    "TOKEN_TTL_HOURS": ("12", int),
    "LOGIN_MAX_FAILURES": ("5", int),
    "LOGIN_LOCKOUT_MINUTES": ("15", int),
    "SCHEDULER_MODE": ("off", str),  # off | embedded; `flask scheduler run` is the separate process
    "SCHEDULER_LEASE_SECONDS": ("60", int),
    "EVIDENCE_ANCHOR_FILE": (str(ROOT / "instance" / "evidence-tree-heads.jsonl"), str),  # append-only tree heads
    "EVIDENCE_ANCHOR_S3_BUCKET": ("", str),  # a bucket with Object Lock for the tree heads instead of the file
    "EVIDENCE_ANCHOR_RETENTION_DAYS": ("3650", int),  # how long Object Lock keeps each tree head undeletable
    "WECHAT_API_BASE_URL": ("https://qyapi.weixin.qq.com/cgi-bin/", str),
    "WECHAT_OAUTH_URL": ("https://open.weixin.qq.com/connect/oauth2/authorize", str),
    "WECHAT_CORP_ID": ("", str),
    "WECHAT_AGENT_ID": ("", str),
    "WECHAT_SECRET": ("", str),
    "WECHAT_CONTACTS_SECRET": ("", str),
    "WECHAT_CALLBACK_TOKEN": ("", str),
    "WECHAT_CALLBACK_AES_KEY": ("", str),
    "WECHAT_TIMEOUT_SECONDS": ("5", float),
    "WECHAT_MAX_RETRIES": ("2", int),
    "WECHAT_CACHE_PREFIX": ("chengguan:wechat", str),  # Redis key prefix of tokens and JS-SDK tickets
    "WECHAT_CALLBACK_MAX_AGE_SECONDS": ("300", int),  # callbacks older (or further ahead) are refused
    "WECHAT_OAUTH_STATE_MINUTES": ("10", int),  # an OAuth state older than this is refused at login
    "WECHAT_SYNC_MAX_DEACTIVATE_PERCENT": ("10", int),  # a contacts sync deactivating more of a district is refused
    "OUTBOX_RETRY_MINUTES": ("1,2,4,8,16,32,64,128,256,512", str),  # waits after each failed send; then dead
    "OUTBOX_LEASE_SECONDS": ("600", int),  # a sender's claim on the messages it is sending
    "REDIS_URL": ("", str),
    "LOG_LEVEL": ("INFO", str),
    "PROXY_HOPS": ("0", int),  # reverse proxies in front that set X-Forwarded-For/-Proto (0: none, trust no header)
    "PUBLIC_BASE_URL": ("http://localhost:5000", str),  # where residents reach the server (QR codes point here)
    "COMMUNITY_PHONE_KEY": ("", str),  # key for residents' phone numbers at rest; empty: derived from SECRET_KEY
    "COMMUNITY_LIMIT_PER_ADDRESS": ("20/hour", str),  # complaints one network address may submit
    "COMMUNITY_LIMIT_PER_PHONE": ("10/day", str),  # complaints one phone number may submit
    "COMMUNITY_PHOTO_MAX_BYTES": ("10000000", int),  # largest resident or evidence photo
    "COMMUNITY_OFFICER_URL": ("https://localhost/app/complaints/{id}", str),  # light-app page of a complaint
    "DUTY_GRACE_MINUTES": ("5", int),  # check-in later than shift start + this is late
    "DUTY_EARLIEST_CHECK_IN_MINUTES": ("60", int),  # check-in earlier than this before the start is refused
    "DUTY_MAX_ACCURACY_ALLOWANCE_M": ("100", int),  # GPS accuracy counted towards the fence at most this much
    "DUTY_MAX_ACCURACY_M": ("2000", int),  # reported accuracy worse than this is absurd and refused
    "DUTY_LATE_SYNC_MINUTES": ("10", int),  # submissions received this long after their client time are flagged
    "DUTY_SYNC_WINDOW_HOURS": ("72", int),  # client times older than this are refused
    "DUTY_CLOCK_SKEW_SECONDS": ("120", int),  # client times ahead of the server by more than this are refused
    "DUTY_SELFIE_MAX_BYTES": ("5000000", int),
    "DUTY_TRACK_MAX_GAP_MINUTES": ("10", int),  # a gap between pings longer than this counts as absent
    "DUTY_REMINDER_URL": ("https://localhost/app/duty/today", str),  # link in the morning shift reminder
    "WECHAT_LOCATION_COORD_SYSTEM": ("wgs84", str),  # system of government-WeChat LOCATION events
    "TRAINING_CREDIT_CATEGORIES": ("online:在线网训:60,classroom:集中面授:24", str),  # code:name:hours,…
    "TRAINING_MIN_PRESENCE_PERCENT": ("80", int),  # live-class credit needs this share of the session
    "TRAINING_HEARTBEAT_SECONDS": ("30", int),  # how often the light app sends a heartbeat in a live class
    "TRAINING_HEARTBEAT_GAP_SECONDS": ("90", int),  # silence longer than this is a gap in presence
    "TRAINING_JOIN_URL": ("/app/training/join", str),  # what a live class's join QR code opens
    "TRAINING_JOIN_CODE_SECONDS": ("60", int),  # a class's join code changes this often; the previous one is still accepted
    "TRAINING_JOIN_EARLY_MINUTES": ("15", int),  # trainees may join this long before the start
    "DRILL_PHOTO_MAX_BYTES": ("10000000", int),  # largest photo or frame of a gesture drill
    "DRILL_MAX_FRAMES": ("5", int),  # photos (frames) one gesture attempt may upload; the best one counts
    "CLASSROOM_POLL_SECONDS": ("2", int),  # how often the classroom big screen refreshes its figures
    "SUPERVISION_FINDING_TYPES": ("uniform:着装不规范,badge:未按规定亮证,language:执法用语不文明,absence:脱岗离岗,recording:未全程记录,procedure:执法程序不规范,other:其他", str),  # code:名称,… of supervision findings
    "SUPERVISION_FINDING_URL": ("https://localhost/app/supervision/findings/{id}", str),  # light-app page of a finding
    "SUPERVISION_NOTICE_URL": ("https://localhost/app/supervision/notices/{id}", str),  # light-app page of a notice
    "CASE_REGISTRATION_DAYS": ("15", int),  # a case must be registered (立案) within this many days of discovery
    "CASE_HANDLING_DAYS": ("90", int),  # a registered case must be closed within this many days
    "CASE_WARNING_DAYS": ("3", int),  # warn the handling officer and leaders this many days before a deadline
    "CASE_OFFICER_URL": ("https://localhost/app/cases/{id}", str),  # light-app page of a case
    "POINTS_MONTHLY_BASE": ("100", str),  # base score of every officer's month (a decimal)
    "POINTS_ADJUSTMENT_LIMIT": ("10", str),  # a leader's adjustment lies within ± this many points
    "POINTS_LOCK_DAY": ("10", int),  # published month sheets are locked from this day (1–28) of the following month on
    "POINTS_SHEET_URL": ("https://localhost/app/points/monthly/{id}", str),  # light-app page of a month sheet (WeChat card link)
    "POINTS_EXCELLENT_QUOTA_PERCENT": ("20", int),  # at most this share of a squad is graded 优秀 in the year
    "POINTS_EXCELLENT_FLOOR": ("100", str),  # 优秀 needs at least this yearly score
    "POINTS_BASIC_FLOOR": ("95", str),  # below this yearly score: 基本称职
    "POINTS_UNQUALIFIED_FLOOR": ("90", str),  # below this yearly score: 不称职
    "POINTS_RATING_BONUS": ("excellent:2,good:1,fair:0,poor:-2", str),  # points the leader's quarterly rating (优/良/中/差) adds
    "POINTS_QUARTER_GRADES": ("好:100,较好:95,一般:90", str),  # quarterly grade:lowest score,…; below the lowest: 差
}

# The settings above that are rules of the work which the source documents (/work/shared/seeds) do not
# give: example defaults a district sets, each a row of the README's "Where the numbers come from".
EXAMPLE_DEFAULTS = frozenset({
    "DUTY_GRACE_MINUTES", "DUTY_EARLIEST_CHECK_IN_MINUTES", "DUTY_TRACK_MAX_GAP_MINUTES",
    "TRAINING_CREDIT_CATEGORIES", "TRAINING_MIN_PRESENCE_PERCENT",
    "CASE_REGISTRATION_DAYS", "CASE_HANDLING_DAYS", "CASE_WARNING_DAYS",
    "POINTS_MONTHLY_BASE", "POINTS_ADJUSTMENT_LIMIT", "POINTS_LOCK_DAY", "POINTS_EXCELLENT_QUOTA_PERCENT",
    "POINTS_EXCELLENT_FLOOR", "POINTS_BASIC_FLOOR", "POINTS_UNQUALIFIED_FLOOR", "POINTS_RATING_BONUS",
    "POINTS_QUARTER_GRADES",
})


def load(overrides: dict | None = None) -> dict:
    """Read every setting from the environment, then apply explicit overrides (tests, scripts)."""
    load_dotenv(ROOT / ".env", override=False)
    config = {}
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(name, default)
        config[name] = _bool(raw) if parse is bool else parse(raw)
    config.update(overrides or {})
    return config
