"""The platforms' keys, a squad and its leader, for every non-site test."""
import pytest

from backend.org.models import Role
from tests.fake_suishenban import FakeSuishenban
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


SUISHENBAN_KEY = "suishenban-test-key"


@pytest.fixture(scope="session")
def _suishenban_server():
    fake = FakeSuishenban(SUISHENBAN_KEY)
    url = fake.start()
    yield fake, url
    fake.stop()


@pytest.fixture
def suishenban(app, monkeypatch, _suishenban_server):
    fake, url = _suishenban_server
    fake.reset()
    monkeypatch.setitem(app.config, "NONSITE_SUISHENBAN_URL", url)
    monkeypatch.setitem(app.config, "NONSITE_SUISHENBAN_KEY", SUISHENBAN_KEY)
    return fake
