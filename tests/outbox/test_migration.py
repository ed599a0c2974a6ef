"""Migration 0023: the text cards kept in wechat_pending_message move into the outbox, and back on downgrade."""
import json

from alembic import command
from sqlalchemy import create_engine, text

from backend.migrate import alembic_config


def test_kept_cards_move_into_the_outbox_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    command.upgrade(alembic_config(url), "0018")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("insert into district (id, code, name) values (7, 'JA', '静安区')"))
        conn.execute(text("insert into officer (badge_no, name, role, district_id, active, wechat_userid, created_at,"
                          " updated_at) values ('JA1', '孙丽', 'district_admin', 7, 1, 'sunli', '2026-11-01 00:00:00',"
                          " '2026-11-01 00:00:00')"))
        conn.execute(text("insert into wechat_pending_message (userids, title, description, url, btntxt, queued_at,"
                          " attempts, last_error) values ('sunli|gone', '督察发现问题通知', '南京西路', 'https://a.cn/1',"
                          " '详情', '2026-11-02 08:00:00', 3, '无法连接政务微信')"))

    command.upgrade(alembic_config(url), "0023")
    with engine.connect() as conn:
        [row] = conn.execute(text("select kind, district_id, title, recipients, payload, state, failures, last_error"
                                  " from outbox_message")).all()
    assert row[:4] == ("wechat.text_card", 7, "督察发现问题通知", "sunli|gone")
    assert json.loads(row.payload)["description"] == "南京西路" and (row.state, row.failures) == ("pending", 0)
    assert row.last_error == "无法连接政务微信"

    command.downgrade(alembic_config(url), "0018")
    with engine.connect() as conn:
        back = conn.execute(text("select userids, title, description, url, btntxt from wechat_pending_message")).all()
    assert back == [("sunli|gone", "督察发现问题通知", "南京西路", "https://a.cn/1", "详情")]
    engine.dispose()
