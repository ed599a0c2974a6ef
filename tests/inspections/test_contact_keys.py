"""Key rotation: `flask re-sign` re-encrypts regulated objects' contacts, so the old key can be retired."""
from backend.db import session
from backend.inspections.models import RegulatedObject
from tests.inspections.test_registry import _object, world  # noqa: F401  (the fixture)
from tests.test_keys import NEW_KEY, OLD_KEY


def test_re_sign_re_encrypts_object_contacts(app, client, make, world, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)
    leader = make.headers(world["leader"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    before = session.get(RegulatedObject, item["id"]).contact_encrypted

    def contact():
        return client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["contact"]

    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEYS_PREVIOUS", OLD_KEY)
    assert contact() == {"name": "王建国", "phone": "13812345678"}
    done = app.test_cli_runner().invoke(args=["re-sign"])
    assert done.exit_code == 0
    assert "inspection_object.contact_encrypted：已用当前密钥重新加密 1 个（无法解密 0 个）" in done.output
    session.expire_all()
    assert session.get(RegulatedObject, item["id"]).contact_encrypted != before
    monkeypatch.setitem(app.config, "SECRET_KEYS_PREVIOUS", "")  # the old key retired
    assert contact() == {"name": "王建国", "phone": "13812345678"}


def test_without_re_sign_a_retired_key_leaves_the_contact_unreadable(app, client, make, world, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)
    leader = make.headers(world["leader"])
    item = client.post("/api/inspections/objects", headers=leader, json=_object(world["squad"])).json
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    shown = client.get(f"/api/inspections/objects/{item['id']}", headers=leader).json["contact"]
    assert shown == {"name": "（无法解密）", "phone": "（无法解密）"}
