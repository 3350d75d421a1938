"""Pages for everyone, signed in or not: home, search, a resource, a department; /healthz."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from sqlalchemy import text

from .. import search
from ..authz import may_edit_catalog, may_request_share, may_retire
from ..db import db
from ..errors import RegistryError
from ..identity import current_actor
from ..search import outbox
from ..services import dcat, details, jobs
from ..services.resources import resource_versions, transition_resource
from ..services.search import FILTERS, search_resources
from . import common
from .common import signed_in
from .dcat import rdf_response
from .resource_form import FIELD_LABELS

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


@bp.get("/")
def home():
    return render_template("home.html", counts=details.catalog_counts(db.session))


FACET_LABELS = {
    "share_type": "共享类型",
    "category": "资源分类",
    "provider_id": "提供方",
    "update_cycle": "更新周期",
    "status": "状态",
}
SORT_LABELS = {
    "relevance": "相关度",
    "-updated_at": "最近更新",
    "updated_at": "最早更新",
    "name": "名称",
    "code": "资源代码",
}


@bp.get("/search")
def search_page():
    """信息资源检索: the same service as GET /api/v1/search, for people (a signed-in user
    sees what the API shows them). Pages go forward by cursor; ``back`` keeps the cursors
    of the pages before, so 上一页 returns exactly where the reader was."""
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort") or None
    filters = {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}
    cursor = request.args.get("cursor") or None
    back = request.args.getlist("back")
    result, error = None, None
    try:
        typed = {name: [FILTERS[name](v) for v in values] for name, values in filters.items()}
        result = search_resources(
            db.session,
            search.backend(),
            current_actor(),
            q=q or None,
            filters=typed,
            sort=sort,
            cursor=cursor,
            recheck_after=current_app.config["SEARCH_SYNONYMS_RECHECK"],
        )
    except (RegistryError, ValueError) as exc:
        error = getattr(exc, "message", "检索条件无效")
    base = {"q": q, "sort": sort, **filters}

    def facet_url(name: str, value) -> str:
        chosen = filters.get(name, [])
        values = (
            [v for v in chosen if v != str(value)]
            if str(value) in chosen
            else [*chosen, str(value)]
        )
        return url_for("web.search_page", **{**base, name: values})

    next_url = prev_url = None
    if result and result["next_cursor"]:
        next_url = url_for(
            "web.search_page", **base, cursor=result["next_cursor"], back=[*back, cursor or ""]
        )
    if cursor:
        prev_url = url_for(
            "web.search_page", **base, cursor=back[-1] if back else None, back=back[:-1]
        )
    status = 200 if error is None else 400
    return render_template(
        "search/index.html",
        q=q,
        sort=sort,
        sorts=SORT_LABELS,
        filters=filters,
        result=result,
        error=error,
        facet_labels=FACET_LABELS,
        facet_url=facet_url,
        next_url=next_url,
        prev_url=prev_url,
        page_number=len(back) + 1 if cursor else 1,
    ), status


@bp.get("/resources/<int:resource_id>")
def resource_page(resource_id: int):
    """A catalog entry's page: everything the 编制指南 records, in its order; its DCAT-AP
    description to a client that asks for RDF (``Accept: text/turtle``…)."""
    actor = current_actor()
    fmt = dcat.negotiate(request.accept_mimetypes)
    if fmt is not None:
        builder = dcat.Dcat(db.session, actor, current_app.config)
        return rdf_response(builder.entry_graph(resource_id), fmt)
    detail = details.resource_detail(db.session, actor, resource_id)
    resource = detail.resource
    return render_template(
        "resources/show.html",
        d=detail,
        r=resource,
        labels=common,
        can_edit=may_edit_catalog(actor, resource.provider_department_id),
        can_retire=may_retire(actor, resource.provider_department_id),
        can_request=may_request_share(actor, resource.provider_department_id)
        and resource.status == "published",
    )


@bp.post("/resources/<int:resource_id>/retire")
def retire_resource(resource_id: int):
    """下架 with its reason: the provider's editors, the 大数据中心, the admin."""
    resource = transition_resource(
        db.session,
        signed_in(),
        resource_id,
        action="retire",
        reason=request.form.get("reason") or None,
        expected_version=request.form.get("version", type=int),
    )
    return common.done(f"已下架：{resource.name}", "web.resource_page", resource_id=resource.id)


@bp.get("/resources/<int:resource_id>/history")
def resource_history(resource_id: int):
    """Each version of an entry with what changed, field by field and item by item."""
    versions = resource_versions(db.session, current_actor(), resource_id)
    resource = details.resource_detail(db.session, current_actor(), resource_id).resource
    return render_template(
        "resources/history.html",
        r=resource,
        versions=list(reversed(versions)),
        field_labels=FIELD_LABELS,
    )


@bp.get("/departments/<int:department_id>")
def department_page(department_id: int):
    detail = details.department_detail(db.session, current_actor(), department_id)
    return render_template("departments/show.html", d=detail, labels=common)


@bp.get("/healthz")
def healthz():
    scheduler = _scheduler_detail()
    checks = {
        "database": _database_ok(),
        "search": _search_ok(),
        "scheduler": scheduler["status"] if scheduler else "error",
    }
    healthy = checks["database"] == "ok"
    # Search or the scheduler down degrades the service (catalog work goes on, changes
    # wait in the outbox, jobs run when a scheduler leads again).
    status = "ok" if healthy and checks["search"] == checks["scheduler"] == "ok" else "degraded"
    return jsonify(
        {"status": status, "checks": checks, "search": _search_detail(), "scheduler": scheduler}
    ), (200 if healthy else 503)


def _scheduler_detail() -> dict | None:
    """The leader, and each job's last run, outcome and lag (no summaries, no errors:
    those are for administrators, at /api/v1/jobs)."""
    try:
        overview = jobs.job_overview(db.session, current_app.config)
    except Exception:  # noqa: BLE001 — health reports the failure instead of raising
        db.session.rollback()
        return None
    lead = overview["leader"]
    items = [
        {k: job[k] for k in ("name", "last_finished_at", "last_outcome", "lag_seconds")}
        for job in overview["jobs"]
    ]
    if lead is None:
        status = "not_running"
    elif not lead["active"]:
        status = "no_leader"
    elif any(job["last_outcome"] == "alert" for job in items):
        status = "alert"
    else:
        status = "ok"
    return {
        "status": status,
        "leader": lead and {"holder": lead["holder"], "active": lead["active"]},
        "jobs": items,
    }


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
