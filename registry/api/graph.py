"""/api/v1/graph: a node's neighbourhood and a scope's export"""

from flask import Response
from flask.views import MethodView
from marshmallow import validate

from catalog_schemas.fields import (
    Integer,
    Schema,
    String,
    one_of,
)

from ..db import db
from ..graph.build import SCOPE_KINDS
from ..graph.explore import MAX_DEPTH, to_graphml, to_json
from ..services import graph as graph_svc
from .base import (
    Blueprint,
    current_actor,
)
from .openapi import download

blp = Blueprint("graph", __name__, url_prefix="/api/v1", description="数据流图")


class GraphArgs(Schema):
    direction = String(load_default="both", validate=one_of(("in", "out", "both"), "方向"))
    depth = Integer(
        load_default=1,
        validate=validate.Range(1, MAX_DEPTH, error=f"深度应在 1 到 {MAX_DEPTH} 之间"),
    )
    scope_kind = String(load_default=None, validate=one_of(SCOPE_KINDS, "范围"))
    scope_value = String(load_default=None)
    page = Integer(load_default=1, validate=validate.Range(min=1, error="页码从 1 开始"))
    page_size = Integer(
        load_default=100, validate=validate.Range(1, 500, error="每页 1 到 500 个节点")
    )


class ExportArgs(Schema):
    scope_kind = String(load_default="all", validate=one_of(SCOPE_KINDS, "范围"))
    scope_value = String(load_default=None)
    format = String(load_default="json", validate=one_of(("json", "graphml"), "格式"))


@blp.route("/graph/<string:kind>/<int:node_id>")
class GraphNode(MethodView):
    @blp.arguments(GraphArgs, location="query")
    @blp.doc(**download("application/json", description="节点、邻居（距离）与其间的边"))
    def get(self, args, kind, node_id):
        """节点的邻域（方向、深度受限，分页；看不到的资源不出现）"""
        return graph_svc.node_neighbourhood(
            db.session, current_actor(), kind=kind, node_id=node_id, **args
        )


@blp.route("/graph/export")
class GraphExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(
        **download("application/json", "application/graphml+xml", description="数据流图"),
        responses={404: "NOT_FOUND"},
    )  # the scope names no county, department or project
    def get(self, args):
        """导出一个范围的数据流图（JSON 或 GraphML；看不到的资源不出现）"""
        fmt = args.pop("format")
        g = graph_svc.export_graph(db.session, current_actor(), **args)
        if fmt == "graphml":
            return Response(
                to_graphml(g),
                mimetype="application/graphml+xml",
                headers={"Content-Disposition": "attachment; filename=graph.graphml"},
            )
        return to_json(g)
