"""Settings are parsed once, when the app is made, into one frozen object of typed values."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from backend import create_app
from backend.config import settings


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
