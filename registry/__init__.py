"""政务信息资源目录与数据共享登记系统: the registry service."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from werkzeug.routing import IntegerConverter

from catalog_schemas import LocalCodes, configure_local_codes

from . import search, unit_of_work
from .db import db as _database
from .db import set_write_intent
from .errors import Unauthenticated
from .settings import ensure_secret_key, load_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(overrides)
    # Assets are served by the web blueprint (registry/web/static), not the app.
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], static_folder=None)
    app.url_map.converters["int"] = IdConverter
    app.config.update(settings)
    app.config["SECRET_KEY"] = ensure_secret_key(settings)
    # Request bodies: werkzeug refuses larger ones with 413 before reading them. Flask 3.1
    # defines MAX_CONTENT_LENGTH as None, so it is set here, not defaulted. Uploads (the
    # only multipart bodies) get the import limit; everything else the JSON limit (see
    # _limit_body below).
    app.config["MAX_CONTENT_LENGTH"] = settings["IMPORT_MAX_BYTES"] + 2**20
    app.json.ensure_ascii = False
    configure_local_codes(
        LocalCodes(
            extra_update_cycles=tuple(settings["EXTRA_UPDATE_CYCLES"]),
            share_request_deadline_days=int(settings["SHARE_REQUEST_DEADLINE_DAYS"]),
            extra_department_functions={
                code: tuple(stems) for code, stems in settings["DEPARTMENT_FUNCTIONS_EXTRA"].items()
            },
        )
    )

    from . import logs, metrics

    logs.init_app(app)
    _database.init_app(app)
    _register_transaction_hooks(app)
    _register_http_hooks(app)

    from . import api, web
    from .cli import register_commands

    search.init_app(app)
    api.init_app(app)
    web.init_app(app)
    register_commands(app)
    app.register_blueprint(metrics.bp)
    # The confirmation signing key: read from SIGNING_KEY_PATH, or generated into the
    # instance folder on first start (DESIGN.md), so its public key exists before any issue.
    from .services.confirmations import signer_for

    signer_for(app.config)
    return app


class IdConverter(IntegerConverter):
    """``<int:id>`` within the ids' INTEGER column (32-bit on PostgreSQL): a larger
    number is no record (404), not a driver error."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_transaction_hooks(app: Flask) -> None:
    """One commit per request: here, and nowhere in views or services."""

    from .identity import speaks_ckan

    @app.before_request
    def _intent() -> None:
        set_write_intent(request.method not in SAFE_METHODS and not speaks_ckan())

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


def _register_http_hooks(app: Flask) -> None:
    """What every request gets before its view parses anything, and every response after."""
    from .identity import current_actor, speaks_ckan

    @app.before_request
    def _limit_body() -> None:
        # JSON and form bodies are small; only a multipart upload may reach the import limit.
        if request.mimetype != "multipart/form-data":
            request.max_content_length = app.config["JSON_MAX_BYTES"]

    @app.before_request
    def _authenticate_first() -> None:
        # Authenticate before any body is parsed: an anonymous or badly signed write is a
        # 401, never a schema error about a body it had no right to send.
        writing = request.method not in SAFE_METHODS and request.path.startswith("/api/")
        if writing and not speaks_ckan() and not current_actor().authenticated:
            raise Unauthenticated()

    @app.after_request
    def _browser_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # Every script, style and image is served by the app itself (no CDN), so
            # 'self' is the whole policy; the OpenAPI page needs its inline bootstrap.
            inline = " 'unsafe-inline'" if request.path.startswith("/api/v1/docs") else ""
            headers.setdefault(
                "Content-Security-Policy",
                f"default-src 'self'; script-src 'self'{inline}; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
            )
            headers.setdefault("X-Frame-Options", "DENY")
        headers.pop("Server", None)
        return response
