"""政务信息资源目录与数据共享登记系统: the registry service."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from catalog_schemas import LocalCodes, configure_local_codes

from . import search, unit_of_work
from .db import db as _database
from .db import set_write_intent
from .settings import ensure_secret_key, load_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(overrides)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    app.config["SECRET_KEY"] = ensure_secret_key(settings)
    # Uploads beyond the import limit are refused by werkzeug with 413 before reading them.
    app.config.setdefault("MAX_CONTENT_LENGTH", settings["IMPORT_MAX_BYTES"] + 2**20)
    app.json.ensure_ascii = False
    configure_local_codes(LocalCodes(
        extra_update_cycles=tuple(settings["EXTRA_UPDATE_CYCLES"]),
        share_request_deadline_days=int(settings["SHARE_REQUEST_DEADLINE_DAYS"]),
    ))

    _database.init_app(app)
    _register_transaction_hooks(app)

    from . import api, web
    from .cli import register_commands

    search.init_app(app)
    api.init_app(app)
    web.init_app(app)
    register_commands(app)
    # The confirmation signing key: read from SIGNING_KEY_PATH, or generated into the
    # instance folder on first start (DESIGN.md), so its public key exists before any issue.
    from .confirmations.service import signer_for

    signer_for(app.config)
    return app


def _register_transaction_hooks(app: Flask) -> None:
    """One commit per request: here, and nowhere in views or services."""

    @app.before_request
    def _intent() -> None:
        set_write_intent(request.method not in SAFE_METHODS)

    @app.after_request
    def _finish(response):
        session = g.get("db_session")
        if session is not None:
            # keep_on_error: a rejected import keeps its record (and wrote nothing else).
            ok = response.status_code < 400 or g.get("keep_on_error")
            if ok and request.method not in SAFE_METHODS:
                unit_of_work.commit(app, request=True)
            else:
                session.rollback()
        return response
