"""/api/v1/analyses: run the data-flow graph analyses"""

from flask import current_app
from flask.views import MethodView

from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Dict,
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
from ..models import AnalysisRun
from ..services import analyses as analyses_svc
from ..services._records import get_record
from .base import (
    Blueprint,
    current_actor,
    signed_in_actor,
)

blp = Blueprint("analyses", __name__, url_prefix="/api/v1", description="数据流图分析")


class ScopeSchema(Schema):
    kind = String(load_default="all", validate=one_of(SCOPE_KINDS, "范围"))
    value = String(
        load_default=None, metadata={"description": "县名、部门代码或逗号分隔的项目编码"}
    )


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


@blp.route("/analyses")
class Analyses(MethodView):
    @blp.arguments(AnalysisRequestSchema)
    @blp.response(201, AnalysisRunSchema)
    @blp.doc(responses={404: "NOT_FOUND"})  # the scope names no county, department or project
    def post(self, data):
        """运行数据流图分析（大数据中心或发改委），写入问题清单"""
        run = analyses_svc.run_analyses(
            db.session,
            current_actor(),
            scope_kind=data["scope"]["kind"],
            scope_value=data["scope"]["value"],
            analyses=data["analyses"],
            settings=analyses_svc.AnalysisSettings.from_config(current_app.config),
            match=data["match"],
        )
        return run


@blp.route("/analyses/<int:run_id>")
class AnalysisItem(MethodView):
    @blp.response(200, AnalysisRunSchema)
    def get(self, run_id):
        signed_in_actor()
        return get_record(db.session, AnalysisRun, run_id, label="分析记录")
