"""The platforms' keys, a squad and its leader, for every non-site test."""
import pytest

from backend.org.models import Role
from tests.nonsite.platform import KEYS


@pytest.fixture(autouse=True)
def _keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "NONSITE_SENDER_KEYS", KEYS)


@pytest.fixture
def squad(make):
    return make.squad()


@pytest.fixture
def leader(make, squad):
    return make.officer(Role.squad_leader, squad=squad)
