"""The platforms' keys, a squad and its leader, for every non-site test."""
import pytest

from backend.org.models import Role
from tests.fake_sms import FakeSms
from tests.fake_suishenban import FakeSuishenban
from tests.nonsite.platform import KEYS


@pytest.fixture(autouse=True)
def _keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "NONSITE_SENDER_KEYS", KEYS)


@pytest.fixture
def squad(make):
    return make.squad()


@pytest.fixture
def reviewer(make, squad):
    return make.officer(Role.legal_reviewer, district=squad.district)


@pytest.fixture
def cam(client, make, squad):
    from tests.nonsite.platform import camera

    return camera(client, make, squad)


@pytest.fixture
def leader(make, squad):
    return make.officer(Role.squad_leader, squad=squad)


SUISHENBAN_KEY, SMS_KEY = "suishenban-test-key", "sms-test-key"


def _running(fake):
    url = fake.start()
    yield fake, url
    fake.stop()


def _configured(app, monkeypatch, running, url_setting, key_setting):
    fake, url = running
    fake.reset()
    monkeypatch.setitem(app.config, url_setting, url)
    monkeypatch.setitem(app.config, key_setting, fake.key)
    return fake


@pytest.fixture(scope="session")
def _suishenban_server():
    yield from _running(FakeSuishenban(SUISHENBAN_KEY))


@pytest.fixture
def suishenban(app, monkeypatch, _suishenban_server):
    return _configured(app, monkeypatch, _suishenban_server, "NONSITE_SUISHENBAN_URL", "NONSITE_SUISHENBAN_KEY")


@pytest.fixture(scope="session")
def _sms_server():
    yield from _running(FakeSms(SMS_KEY))


@pytest.fixture
def sms(app, monkeypatch, _sms_server):
    return _configured(app, monkeypatch, _sms_server, "NONSITE_SMS_URL", "NONSITE_SMS_KEY")


@pytest.fixture(scope="session")
def _media_server():
    from tests.nonsite.platform import FakeMediaHost

    host = FakeMediaHost().start()
    yield host
    host.stop()


@pytest.fixture
def media_host(app, monkeypatch, _media_server):
    """The platform's media host; the `vision` platform is inside the government network (its URLs may be on
    the loopback), `boxco` is not."""
    _media_server.files.clear()
    _media_server.requests.clear()
    _media_server.slow = 0.0
    monkeypatch.setitem(app.config, "NONSITE_INTERNAL_SENDERS", "vision")
    return _media_server
