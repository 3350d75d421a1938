"""Server-rendered pages in Simplified Chinese. For now: the home page and /healthz."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template
from sqlalchemy import func, select, text

from .. import search
from ..db import db
from ..models import Department, Resource
from ..search import outbox

bp = Blueprint("web", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def home():
    counts = {
        "departments": db.session.scalar(select(func.count()).select_from(Department)),
        "resources": db.session.scalar(
            select(func.count()).select_from(Resource).where(Resource.status == "published")),
    }
    return render_template("home.html", counts=counts)


@bp.get("/healthz")
def healthz():
    checks = {"database": _database_ok(), "search": _search_ok(), "scheduler": "not_configured"}
    healthy = checks["database"] == "ok"
    # Search down degrades the service (catalog work goes on, changes wait in the outbox).
    status = "ok" if healthy and checks["search"] == "ok" else "degraded"
    return jsonify({"status": status, "checks": checks, "search": _search_detail()}), (200 if healthy else 503)


def _search_ok() -> str:
    try:
        health = search.backend().health()
    except Exception as exc:  # noqa: BLE001 — health reports the failure instead of raising
        return f"error: {type(exc).__name__}"
    return "ok" if health.ok else f"error: {health.detail}"


def _search_detail() -> dict:
    try:
        pending = outbox.pending_count(db.session)
    except Exception:  # noqa: BLE001
        pending = None
    return {"backend": search.backend().name, "outbox_pending": pending}


def _database_ok() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 — health reports the failure instead of raising
        return f"error: {type(exc).__name__}"
