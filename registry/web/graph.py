"""数据流图 (Art. 9(6)) in the browser: a county drawn whole with Cytoscape.js (served by
the app), a node's neighbourhood expanded by depth, a project's framework; the data
comes from services/graph.py, the same that /api/v1/graph serves."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..db import db
from ..graph.build import regions
from ..graph.explore import MAX_DEPTH
from ..models import Project
from ..services import graph as svc
from ..services._records import get_record
from .common import signed_in, text_or_none

bp = Blueprint("graph_pages", __name__, url_prefix="/graph")
KIND_LABELS = {
    "department": "部门",
    "system": "信息系统",
    "resource": "信息资源",
    "interface": "接口",
    "element": "数据元",
    "project": "项目",
}


@bp.get("")
def index():
    """The page; what it draws first: ?project= (its framework), ?node= (a neighbourhood),
    ?region= (a county), or the first county."""
    signed_in()
    known = regions(db.session)
    project_id = request.args.get("project", type=int)
    node = text_or_none(request.args.get("node"))
    region = text_or_none(request.args.get("region")) or (
        None if project_id or node else (known[0] if known else None)
    )
    project = get_record(db.session, Project, project_id, label="项目") if project_id else None
    return render_template(
        "graph/index.html",
        regions=known,
        region=region,
        node=node,
        project=project,
        depth=min(max(request.args.get("depth", 1, type=int), 1), MAX_DEPTH),
        max_depth=MAX_DEPTH,
        kinds=KIND_LABELS,
    )


@bp.get("/data")
def data():
    """Cytoscape.js elements: ?project=, ?node=&depth=, or ?region= (else every department)."""
    actor = signed_in()
    region = text_or_none(request.args.get("region"))
    return jsonify(
        svc.graph_view(
            db.session,
            actor,
            scope_kind="region" if region else "all",
            scope_value=region,
            node=text_or_none(request.args.get("node")),
            depth=request.args.get("depth", 1, type=int),
            project_id=request.args.get("project", type=int),
        )
    )


@bp.get("/search")
def search():
    actor = signed_in()
    return jsonify(svc.search_nodes(db.session, actor, request.args.get("q", "")))
