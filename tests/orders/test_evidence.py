"""On-site evidence on an order goes through the evidence pipeline (chained, watermarked) and its photos reach
the platform inline in the answers: a reply with the photos since the previous reply, the 办结 with the newest;
each photo's hand-out is in its custody log; the photos the platform gets are the watermarked copies."""
from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import timedelta

from PIL import Image

from backend.db import utcnow
from backend.outbox import deliver
from tests.orders.conftest import an_order, send
from tests.orders.test_handling import act, people
from tests.photos import coffee, encode


def upload(client, make, who, order_id):
    form = {"client_id": str(uuid.uuid4()), "captured_at": (utcnow() - timedelta(minutes=2)).isoformat(),
            "lat": "31.2290", "lng": "121.4540", "place": "南京西路 1266 号",
            "file": (io.BytesIO(encode(coffee())), "scene.jpg", "image/jpeg")}
    return client.post(f"/api/orders/{order_id}/evidence", headers=make.headers(who), data=form,
                       content_type="multipart/form-data")


def test_result_photos_reach_the_platform_with_the_reply_and_the_resolve(client, make, platform, source, squad):
    leader, officer, _ = people(make, squad)
    order = an_order()
    order_id = send(client, platform, source, order).json["id"]
    assert upload(client, make, officer, order_id).status_code == 404  # not theirs yet
    act(client, make, leader, order_id, "assign", officer_id=officer.id)
    first = upload(client, make, officer, order_id)
    assert first.status_code == 201, first.json
    act(client, make, officer, order_id, "reply", text="已到现场，正在劝离")
    second = upload(client, make, officer, order_id).json
    act(client, make, officer, order_id, "resolve", text="摊贩已劝离，现场已恢复")
    assert upload(client, make, officer, order_id).json["error"] == "bad_transition"  # finished

    shown = client.get(f"/api/orders/{order_id}", headers=make.headers(leader)).json
    assert [e["id"] for e in shown["evidence"]] == [second["id"], first.json["id"]]  # newest first
    assert "evidence" in [e["kind"] for e in shown["events"]]
    deliver()
    answers = {a["event"]: a for a in platform.answers_for(order["order_id"])}
    assert "evidence" not in answers and answers["accept"]["photos"] == []
    assert len(answers["reply"]["photos"]) == 1 and len(answers["resolve"]["photos"]) == 2
    watermarked = client.get(f"/api/evidence/{first.json['id']}/watermarked", headers=make.headers(leader)).data
    sent = answers["reply"]["photos"][0]
    data = base64.b64decode(sent["data"])
    assert data == watermarked and sent["sha256"] == hashlib.sha256(data).hexdigest() != first.json["sha256"]
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert answers["resolve"]["photos"][0]["sha256"] == sent["sha256"]

    custody = client.get(f"/api/evidence/{second['id']}/custody", headers=make.headers(leader)).json
    assert [(e["action"], e["actor_id"]) for e in custody] == [("sent_out", officer.id)]
    assert order["order_id"] in custody[0]["reason"]
