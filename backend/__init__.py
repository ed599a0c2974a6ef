"""The smart city-management enforcement backend (智慧城管)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import config as settings
from backend.db import make_engine
from backend.keys import settle_secret_key


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, database, API, CLI and (if configured) the embedded scheduler."""
    app = Flask(__name__, static_folder=None, template_folder="api/templates")  # api/templates/swagger_ui.html
    app.config.update(settings.load(config))
    settle_secret_key(app.config)
    app.extensions["settings"] = settings.parse(app.config)
    app.json.ensure_ascii = False
    if app.config["PROXY_HOPS"]:  # the client's own address for rate limits and the audit log
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.extensions["db_engine"] = make_engine(url)

    import backend.models  # noqa: F401  (complete metadata before the first query)
    from backend.api import init_api
    from backend.cli import register_cli
    from backend.scheduler import start_embedded

    init_api(app)
    register_cli(app)
    start_embedded(app)  # only with SCHEDULER_MODE=embedded, never in tests or the reloader's parent
    return app
