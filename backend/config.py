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
    "REDIS_URL": ("", str),
    "LOG_LEVEL": ("INFO", str),
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
