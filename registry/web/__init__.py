"""Server-rendered pages in Simplified Chinese. For now: the home page and /healthz."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template
from sqlalchemy import func, select, text

from ..db import db
from ..models import Department, Resource

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
    checks = {"database": _database_ok(), "search": "not_configured", "scheduler": "not_configured"}
    healthy = checks["database"] == "ok"
    return jsonify({"status": "ok" if healthy else "degraded", "checks": checks}), (200 if healthy else 503)


def _database_ok() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 — health reports the failure instead of raising
        return f"error: {type(exc).__name__}"
