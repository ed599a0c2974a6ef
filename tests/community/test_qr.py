"""Printable QR codes: they really encode the signed URL, carry the office's name, and can be replaced."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image

from backend.org.models import Role


def decoded(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0].text


def test_png_encodes_the_signed_url_and_prints_the_name_under_it(client, office, make, app):
    leader = make.officer(Role.squad_leader, squad=office.squad)
    response = client.get(f"/api/community/offices/{office.id}/qr.png", headers=make.headers(leader))
    assert response.status_code == 200 and response.mimetype == "image/png"
    url = decoded(response.data)
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + f"/c/{office.code}/1/")
    assert client.get(f"/api/community/offices/{office.id}/qr", headers=make.headers(leader)).json["url"] == url
    page = client.get(url.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert page.status_code == 200 and "静安寺街道城管社区工作室" in page.text
    image = Image.open(io.BytesIO(response.data)).convert("L")
    assert image.height > image.width  # room for the caption
    caption = image.crop((0, image.width, image.width, image.height))
    assert caption.getextrema()[0] < 64  # dark pixels: the printed name


def test_svg_is_a_valid_document_with_the_name(client, office, make):
    leader = make.officer(Role.squad_leader, squad=office.squad)
    response = client.get(f"/api/community/offices/{office.id}/qr.svg", headers=make.headers(leader))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    texts = "".join(t.text for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert texts == "静安寺街道城管社区工作室"


def test_district_regenerates_and_the_old_code_shows_it_was_replaced(client, office, make, app):
    admin = make.officer(Role.district_admin, district=office.squad.district)
    leader = make.officer(Role.squad_leader, squad=office.squad)
    old_url = decoded(client.get(f"/api/community/offices/{office.id}/qr.png", headers=make.headers(leader)).data)
    assert client.post(f"/api/community/offices/{office.id}/qr", headers=make.headers(leader)).status_code == 403
    regenerated = client.post(f"/api/community/offices/{office.id}/qr", headers=make.headers(admin))
    assert regenerated.status_code == 200 and regenerated.json["version"] == 2
    new_url = decoded(client.get(f"/api/community/offices/{office.id}/qr.png", headers=make.headers(admin)).data)
    assert new_url == regenerated.json["url"] != old_url
    old_page = client.get(old_url.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert old_page.status_code == 410 and "此二维码已更换" in old_page.text
    assert client.get(new_url.removeprefix(app.config["PUBLIC_BASE_URL"])).status_code == 200


def test_codes_cannot_be_forged_or_enumerated(client, office, app):
    forged = client.get(f"/c/{office.code}/1/AAAAAAAAAAAAAAAA")
    assert forged.status_code == 403 and "签名校验失败" in forged.text
    guessed = client.get("/c/CO-99999/1/AAAAAAAAAAAAAAAA")
    assert guessed.status_code == 403  # an unknown office looks the same as a forged code


def test_other_squads_cannot_download_the_code(client, office, make):
    outsider = make.officer(Role.squad_leader)
    assert client.get(f"/api/community/offices/{office.id}/qr.png", headers=make.headers(outsider)).status_code == 404
