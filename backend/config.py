"""Settings from the environment (a `.env` file is read if present); SQLite + local files by default."""
import os
from collections.abc import Mapping
from dataclasses import make_dataclass
from decimal import Decimal
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask, current_app

from backend.domains import DOMAINS
from backend.registry import Setting, resolve

ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The settings of the shared pieces (database, storage, keys, images, scheduler, outbox, HTTP), read before any
# domain is; each domain declares its own in its package (`DOMAIN.settings`). The README documents every one.
CORE_SETTINGS = (
    Setting(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'chengguan.db'}", str, "SQLAlchemy address of the database"
    ),
    Setting("SECRET_KEY", "", str, "at least 32 random bytes; signs QR codes, links, checkpoints (backend/keys.py)"),
    Setting("SECRET_KEYS_PREVIOUS", "", str, "retired keys still accepted, comma-separated, newest first"),
    Setting("DEMO_MODE", "0", bool, "`make run`: without SECRET_KEY, use a key made once in instance/secret_key"),
    Setting("FILES_DIR", str(ROOT / "instance" / "files"), str, "folder of stored files (local storage)"),
    Setting("STORAGE_S3_BUCKET", "", str, "set to store files in an S3-compatible bucket instead of FILES_DIR"),
    Setting("STORAGE_S3_ENDPOINT_URL", "", str, "e.g. a MinIO or cloud object storage address; empty: AWS"),
    Setting("STORAGE_S3_REGION", "", str, "region of the bucket"),
    Setting("STORAGE_S3_ACCESS_KEY_ID", "", str, "empty: boto3's usual credential chain"),
    Setting("STORAGE_S3_SECRET_ACCESS_KEY", "", str, "secret of the bucket's access key"),
    Setting("IMAGE_MAX_PIXELS", "25000000", int, "largest photo of any kind (width × height), checked before decoding"),
    Setting("SPREADSHEET_MAX_UNPACKED_BYTES", "50000000", int, "an uploaded workbook unpacking to more is refused"),
    Setting("SCHEDULER_MODE", "off", str, "off | embedded; `flask scheduler run` is the separate process"),
    Setting("SCHEDULER_LEASE_SECONDS", "60", int, "how long a scheduler's claim to run the jobs lasts unrenewed"),
    Setting("OUTBOX_RETRY_MINUTES", "1,2,4,8,16,32,64,128,256,512", str, "waits after each failed send; then dead"),
    Setting("OUTBOX_LEASE_SECONDS", "600", int, "a sender's claim on the messages it is sending"),
    Setting("REQUEST_MAX_BYTES", "134217728", int, "largest request body of any kind (128 MB); larger: 413 unread"),
    Setting(
        "REQUEST_MAX_JSON_BYTES", "8388608", int, "largest JSON body (8 MB: a check-in with a 5 MB selfie in Base64)"
    ),
    Setting(
        "REQUEST_MAX_MULTIPART_BYTES", "115343360", int, "largest upload form (110 MB: a 100 MB video and the fields)"
    ),
    Setting("REQUEST_MAX_JSON_DEPTH", "32", int, "JSON nested deeper than this many objects/arrays is refused (400)"),
    Setting("REDIS_URL", "", str, "Redis address (rate limits, WeChat tokens); empty: in-process"),
    Setting("LOG_LEVEL", "INFO", str, "logging level"),
    Setting(
        "PROXY_HOPS", "0", int, "reverse proxies in front that set X-Forwarded-For/-Proto (0: none, trust no header)"
    ),
    Setting("PUBLIC_BASE_URL", "http://localhost:5000", str, "where residents reach the server (QR codes point here)"),
)

SETTINGS: dict[str, Setting] = {setting.name: setting
                                 for setting in (*CORE_SETTINGS, *(s for domain in DOMAINS for s in domain.settings))}

# The settings that are rules of the work which the source documents (/work/shared/seeds) do not give:
# example defaults a district sets, each a row of the README's "Where the numbers come from".
EXAMPLE_DEFAULTS = frozenset(setting.name for setting in SETTINGS.values() if setting.example_default)


# The settings as one frozen object, each value of its declared type: `settings().DUTY_GRACE_MINUTES` is an int,
# `settings().POINTS_MONTHLY_BASE` a Decimal.
Settings = make_dataclass("Settings", [(name, setting.type) for name, setting in SETTINGS.items()], frozen=True)


def _typed(setting: Setting, value):
    if setting.type is bool:
        return value if isinstance(value, bool) else _bool(str(value))
    if isinstance(value, setting.type):
        return value
    return setting.type(str(value)) if setting.type is Decimal else setting.type(value)


def _checked(setting: Setting, value):
    return resolve(setting.check)(value) if setting.check else value


def parse(config: Mapping) -> Settings:
    """The frozen settings from an app's config (the environment's text, or overrides of any type); a value its
    setting's check refuses raises ValueError, so the app does not start with it."""
    return Settings(**{name: _checked(setting, _typed(setting, config[name])) for name, setting in SETTINGS.items()})


def settings(app: Flask | None = None) -> Settings:
    """The running app's settings (or `app`'s, outside its context), parsed once when the app was made
    (`create_app`). Under test they are parsed again from `app.config` at each call, so that a test overrides
    a setting with `monkeypatch.setitem(app.config, NAME, value)` and nothing else."""
    app = app or current_app
    if app.testing:
        return parse(app.config)
    return app.extensions["settings"]


def load(overrides: dict | None = None) -> dict:
    """Read every setting from the environment, then apply explicit overrides (tests, scripts)."""
    load_dotenv(ROOT / ".env", override=False)
    config = {}
    for name, setting in SETTINGS.items():
        raw = os.environ.get(name, setting.default)
        config[name] = _bool(raw) if setting.type is bool else setting.type(raw)
    config.update(overrides or {})
    return config
