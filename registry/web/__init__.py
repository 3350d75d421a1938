"""Server-rendered pages in Simplified Chinese: the home page, search, /healthz."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from sqlalchemy import func, select, text

from .. import search
from ..api.base import current_actor
from ..db import db
from ..errors import RegistryError
from ..models import Department, Resource
from ..search import outbox
from ..services.search import FILTERS, search_resources

bp = Blueprint("web", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def home():
    counts = {
        "departments": db.session.scalar(select(func.count()).select_from(Department)),
        "resources": db.session.scalar(
            select(func.count()).select_from(Resource).where(Resource.status == "published")
        ),
    }
    return render_template("home.html", counts=counts)


FACET_LABELS = {
    "share_type": "共享类型",
    "category": "资源分类",
    "provider_id": "提供方",
    "update_cycle": "更新周期",
    "status": "状态",
}
STATUS_LABELS = {"draft": "草稿", "submitted": "待审核", "published": "已发布", "retired": "已停用"}


@bp.get("/search")
def search_page():
    """信息资源检索: the same service as GET /api/v1/search, for people."""
    q = request.args.get("q", "").strip()
    filters = {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}
    result, error = None, None
    try:
        typed = {name: [FILTERS[name](v) for v in values] for name, values in filters.items()}
        result = search_resources(
            db.session,
            search.backend(),
            current_actor(),
            q=q or None,
            filters=typed,
            cursor=request.args.get("cursor"),
            synonyms_recheck=current_app.config["SEARCH_SYNONYMS_RECHECK"],
        )
    except (RegistryError, ValueError) as exc:
        error = getattr(exc, "message", "检索条件无效")

    def facet_url(name: str, value) -> str:
        chosen = filters.get(name, [])
        values = (
            [v for v in chosen if v != str(value)]
            if str(value) in chosen
            else [*chosen, str(value)]
        )
        return url_for("web.search_page", q=q, **{**filters, name: values})

    next_url = (
        url_for("web.search_page", q=q, cursor=result["next_cursor"], **filters) if result else None
    )
    status = 200 if error is None else 400
    return render_template(
        "search/index.html",
        q=q,
        filters=filters,
        result=result,
        error=error,
        facet_labels=FACET_LABELS,
        status_labels=STATUS_LABELS,
        facet_url=facet_url,
        next_url=next_url,
    ), status


@bp.get("/healthz")
def healthz():
    checks = {"database": _database_ok(), "search": _search_ok(), "scheduler": "not_configured"}
    healthy = checks["database"] == "ok"
    # Search down degrades the service (catalog work goes on, changes wait in the outbox).
    status = "ok" if healthy and checks["search"] == "ok" else "degraded"
    return jsonify({"status": status, "checks": checks, "search": _search_detail()}), (
        200 if healthy else 503
    )


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
