"""/api/v1/analyses, /api/v1/findings, /api/v1/graph, /api/v1/match-reviews"""

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import validate

from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Nested,
    ResponseSchema,
    Schema,
    String,
    one_of,
)

from ..db import db
from ..graph.build import SCOPE_KINDS
from ..graph.explore import MAX_DEPTH, to_graphml, to_json
from ..models import (
    FINDING_KINDS,
    FINDING_STATUSES,
    AnalysisRun,
    Finding,
)
from ..services import analyses as analyses_svc
from ..services import findings as findings_svc
from ..services import graph as graph_svc
from ..services import matching as matching_svc
from ..services._records import get_record
from .base import (
    Blueprint,
    ListArgs,
    apply_sort,
    current_actor,
    paginate,
    register_transition,
    signed_in_actor,
    with_etag,
)
from .openapi import download

blp = Blueprint("analyses", __name__, url_prefix="/api/v1", description="数据流图分析、问题整改与数据元匹配")


class ScopeSchema(Schema):
    kind = String(load_default="all", validate=one_of(SCOPE_KINDS, "范围"))
    value = String(load_default=None, metadata={"description": "县名、部门代码或逗号分隔的项目编码"})


class AnalysisRequestSchema(Schema):
    scope = Nested(ScopeSchema, load_default=lambda: {"kind": "all", "value": None})
    analyses = List(String(validate=one_of(analyses_svc.ANALYSES, "分析")), load_default=None)
    match = Boolean(load_default=True, metadata={"description": "先为未匹配的信息项匹配数据元"})


class AnalysisRunSchema(ResponseSchema):
    id = Integer()
    scope_kind = String()
    scope_value = String()
    analyses = List(String())
    actor_name = String()
    started_at = DateTime()
    finished_at = DateTime()
    summary = Dict()


class FindingSchema(ResponseSchema):
    id = Integer()
    kind = String()
    subject_type = String()
    subject_id = Integer()
    department_id = Integer()
    title = String()
    evidence = Dict()
    status = String()
    status_reason = String()
    history = List(Dict())
    first_seen_run_id = Integer()
    last_seen_run_id = Integer()
    resolved_at = DateTime()
    version = Integer()
    created_at = DateTime()
    updated_at = DateTime()


class FindingArgs(ListArgs):
    kind = String(validate=one_of(FINDING_KINDS, "问题类型"))
    status = String(validate=one_of(FINDING_STATUSES, "状态"))
    department_id = Integer()
    subject_type = String()
    subject_id = Integer()
    run_id = Integer()


class GraphArgs(Schema):
    direction = String(load_default="both", validate=one_of(("in", "out", "both"), "方向"))
    depth = Integer(load_default=1, validate=validate.Range(1, MAX_DEPTH, error=f"深度应在 1 到 {MAX_DEPTH} 之间"))
    scope_kind = String(load_default=None, validate=one_of(SCOPE_KINDS, "范围"))
    scope_value = String(load_default=None)
    page = Integer(load_default=1, validate=validate.Range(min=1, error="页码从 1 开始"))
    page_size = Integer(load_default=100, validate=validate.Range(1, 500, error="每页 1 到 500 个节点"))


class ExportArgs(Schema):
    scope_kind = String(load_default="all", validate=one_of(SCOPE_KINDS, "范围"))
    scope_value = String(load_default=None)
    format = String(load_default="json", validate=one_of(("json", "graphml"), "格式"))


class MatchDecisionSchema(Schema):
    name = String(required=True)
    element_identifier = String(load_default=None, metadata={"description": "空值表示该信息项不对应任何数据元"})


class MatchDecisionResultSchema(ResponseSchema):
    items = Integer(metadata={"description": "按此决定更新的信息项数"})


class QueueEntrySchema(ResponseSchema):
    name = String()
    suggested = String(metadata={"description": "建议的数据元标识符"})
    confidence = Float()
    items = Integer(metadata={"description": "使用该名称的信息项数"})


def _settings():
    return current_app.config


@blp.route("/analyses")
class Analyses(MethodView):
    @blp.arguments(AnalysisRequestSchema)
    @blp.response(201, AnalysisRunSchema)
    @blp.doc(responses={404: "NOT_FOUND"})  # the scope names no county, department or project
    def post(self, data):
        """运行数据流图分析（大数据中心或发改委），写入问题清单"""
        run = analyses_svc.run_analyses(db.session, current_actor(), scope_kind=data["scope"]["kind"],
                                        scope_value=data["scope"]["value"], analyses=data["analyses"],
                                        settings=_settings(), match=data["match"])
        return run


@blp.route("/analyses/<int:run_id>")
class AnalysisItem(MethodView):
    @blp.response(200, AnalysisRunSchema)
    def get(self, run_id):
        signed_in_actor()
        return get_record(db.session, AnalysisRun, run_id, label="分析记录")


@blp.route("/findings")
class Findings(MethodView):
    @blp.arguments(FindingArgs, location="query")
    @blp.response(200, FindingSchema(many=True))
    @paginate(blp)
    def get(self, args):
        """问题清单（可按类型、状态、部门筛选）"""
        signed_in_actor()
        sort = args.pop("sort")
        return apply_sort(findings_svc.list_findings(**args), Finding, sort, {"id", "kind", "updated_at"})


@blp.route("/findings/<int:finding_id>")
class FindingItem(MethodView):
    @blp.response(200, FindingSchema)
    def get(self, finding_id):
        signed_in_actor()
        return with_etag(get_record(db.session, Finding, finding_id, label="问题"))


for _action, _doc in (("rectifying", "报告正在整改（责任部门）"), ("resolve", "确认已整改（大数据中心，须说明）"),
                     ("waive", "豁免（大数据中心，须说明理由）"), ("reopen", "重新打开（大数据中心，须说明）")):
    register_transition(blp, f"/findings/<int:finding_id>/{_action}", _action, _doc, FindingSchema,
                        findings_svc.transition_finding)


@blp.route("/graph/<string:kind>/<int:node_id>")
class GraphNode(MethodView):
    @blp.arguments(GraphArgs, location="query")
    @blp.doc(**download("application/json", description="节点、邻居（距离）与其间的边"))
    def get(self, args, kind, node_id):
        """节点的邻域（方向、深度受限，分页；看不到的资源不出现）"""
        return graph_svc.node_neighbourhood(db.session, current_actor(), kind=kind, node_id=node_id, **args)


@blp.route("/graph/export")
class GraphExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(**download("application/json", "application/graphml+xml", description="数据流图"),
             responses={404: "NOT_FOUND"})  # the scope names no county, department or project
    def get(self, args):
        """导出一个范围的数据流图（JSON 或 GraphML；看不到的资源不出现）"""
        fmt = args.pop("format")
        g = graph_svc.export_graph(db.session, current_actor(), **args)
        if fmt == "graphml":
            return Response(to_graphml(g), mimetype="application/graphml+xml",
                            headers={"Content-Disposition": "attachment; filename=graph.graphml"})
        return to_json(g)


@blp.route("/match-reviews")
class MatchReviews(MethodView):
    @blp.response(200, QueueEntrySchema(many=True))
    @paginate(blp)
    def get(self):
        """待复核的数据元匹配（按信息项名称汇总）"""
        return matching_svc.review_queue(db.session, current_actor())

    @blp.arguments(MatchDecisionSchema)
    @blp.response(200, MatchDecisionResultSchema)
    def post(self, data):
        """确认或更正一个信息项名称对应的数据元（此后自动沿用）"""
        return matching_svc.decide_match(db.session, current_actor(), name=data["name"],
                                         element_identifier=data["element_identifier"])
