"""The console's pages as served: its map tiles' origin allowed as images and nothing else loosened."""
from __future__ import annotations


def test_a_page_allows_images_from_the_tile_service_it_names_and_no_inline_script(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CONSOLE_TILE_URL", "https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}")

    page = client.get("/console/board")

    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://t0.tianditu.gov.cn;" in policy
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    html = page.get_data(as_text=True)
    assert 'data-tile-url="https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&amp;y={y}&amp;l={z}"' in html
    assert "<script>" not in html and "<script type=\"module\" src=\"/console/static/js/board.js\">" in html
    assert "tianditu" not in client.get("/api/docs").headers["Content-Security-Policy"]  # only the console's pages


def test_pages_and_files_outside_the_console_are_not_found(client):
    assert client.get("/console/").headers["Location"].endswith("/console/board")
    assert client.get("/console/static/vendor/chartjs/chart.umd.min.js").status_code == 200
    for path in ("/console/nowhere", "/console/static/../../backend/config.py", "/console/static/%2e%2e/README.md"):
        assert client.get(path).status_code == 404, path
