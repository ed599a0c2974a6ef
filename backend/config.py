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
    "SECRET_KEY": ("dev-only-change-me", str),
    "FILES_DIR": (str(ROOT / "instance" / "files"), str),
    "STORAGE_S3_BUCKET": ("", str),  # set to store files in an S3-compatible bucket instead of FILES_DIR
    "STORAGE_S3_ENDPOINT_URL": ("", str),  # e.g. a MinIO or cloud object storage address; empty: AWS
    "STORAGE_S3_REGION": ("", str),
    "STORAGE_S3_ACCESS_KEY_ID": ("", str),  # empty: boto3's usual credential chain
    "STORAGE_S3_SECRET_ACCESS_KEY": ("", str),
    "EVIDENCE_MAX_IMAGE_BYTES": ("20971520", int),  # largest evidence photo (20 MB)
    "EVIDENCE_MAX_VIDEO_BYTES": ("104857600", int),  # largest evidence video (100 MB)
    "EVIDENCE_MAX_VIDEO_SECONDS": ("180", int),  # longest evidence video
    "EVIDENCE_TIME_TOLERANCE_MINUTES": ("10", int),  # EXIF time further from the reported time is flagged
    "EVIDENCE_PLACE_TOLERANCE_M": ("200", int),  # EXIF GPS further from the reported place is flagged
    "REQUEST_MAX_BYTES": ("134217728", int),  # largest request body of any kind (128 MB); larger: 413 unread
    "REQUEST_MAX_JSON_BYTES": ("8388608", int),  # largest JSON body (8 MB: a check-in with a 5 MB selfie in Base64)
    "REQUEST_MAX_MULTIPART_BYTES": ("115343360", int),  # largest upload form (110 MB: a 100 MB video and the fields)
    "REQUEST_MAX_JSON_DEPTH": ("32", int),  # JSON nested deeper than this many objects/arrays is refused (400)
    "TOKEN_TTL_HOURS": ("12", int),
    "LOGIN_MAX_FAILURES": ("5", int),
    "LOGIN_LOCKOUT_MINUTES": ("15", int),
    "SCHEDULER_MODE": ("off", str),  # off | embedded; `flask scheduler run` is the separate process
    "SCHEDULER_LEASE_SECONDS": ("60", int),
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
}


def load(overrides: dict | None = None) -> dict:
    """Read every setting from the environment, then apply explicit overrides (tests, scripts)."""
    load_dotenv(ROOT / ".env", override=False)
    config = {}
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(name, default)
        config[name] = _bool(raw) if parse is bool else parse(raw)
    config.update(overrides or {})
    return config
