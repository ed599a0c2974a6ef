"""Settings are parsed once, when the app is made, into one frozen object of typed values."""
from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from backend import create_app
from backend.config import ROOT, settings


def test_settings_from_the_environment_arrive_typed_and_frozen(monkeypatch, tmp_path):
    monkeypatch.setenv("POINTS_MONTHLY_BASE", "100.5")
    monkeypatch.setenv("DUTY_GRACE_MINUTES", "7")
    monkeypatch.setenv("WECHAT_TIMEOUT_SECONDS", "2.5")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'settings.db'}", "SECRET_KEY": "k" * 40})
    with app.app_context():
        current = settings()
        assert current.POINTS_MONTHLY_BASE == Decimal("100.5") and isinstance(current.POINTS_MONTHLY_BASE, Decimal)
        assert current.DUTY_GRACE_MINUTES == 7 and current.WECHAT_TIMEOUT_SECONDS == 2.5
        assert current.DEMO_MODE is False
        with pytest.raises(FrozenInstanceError):
            current.DUTY_GRACE_MINUTES = 8
        app.config["DUTY_GRACE_MINUTES"] = 9  # outside tests what the app started with stays
        assert settings().DUTY_GRACE_MINUTES == 7
    app.extensions["db_engine"].dispose()


def test_a_test_overrides_a_setting_through_app_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "POINTS_ADJUSTMENT_LIMIT", "2.5")
    with app.app_context():
        assert settings().POINTS_ADJUSTMENT_LIMIT == Decimal("2.5")


# The app's raw config is read by the settings loader (backend/config.py) and the app factory (backend/__init__.py)
# only; everything else reads `settings()`, typed and declared (README's Settings table).
RAW_CONFIG_READ = re.compile(r"current_app\.config\b|\bapp\.config\[|\bapp\.config\.get\(")
RAW_CONFIG_ALLOWED = {"backend/config.py", "backend/__init__.py"}


def test_no_module_reads_the_raw_app_config():
    offenders = []
    for path in sorted((ROOT / "backend").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        offenders += [f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
                      for match in RAW_CONFIG_READ.finditer(text) if name not in RAW_CONFIG_ALLOWED]
    assert offenders == [], "read settings().NAME (backend/config.py) instead:\n" + "\n".join(offenders)


def test_the_meta_test_sees_raw_config_reads():
    for written in ('current_app.config["TOKEN_TTL_HOURS"]', "cfg = current_app.config", 'app.config["SCHEDULER_MODE"]',
                    'self.app.config.get("REDIS_URL")'):
        assert RAW_CONFIG_READ.search(written), written
    assert not RAW_CONFIG_READ.search('app.config.update(API_TITLE="智慧城管 API")')
