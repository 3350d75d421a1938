"""/api/v1/projects"""

from flask import current_app
from flask.views import MethodView
from marshmallow import ValidationError

from catalog_schemas.codes import PROJECT_STAGES
from catalog_schemas.fields import (
    Boolean,
    Date,
    DateTime,
    Dict,
    Integer,
    List,
    Nested,
    ResponseSchema,
    Schema,
    String,
    one_of,
    text_length,
)
from catalog_schemas.fields import (
    Decimal as DecimalField,
)

from ..db import db
from ..models import Project
from ..services import projects as svc
from .base import Blueprint, ListArgs, current_actor, if_match_version, with_etag
from .crud import register_crud

blp = Blueprint("projects", __name__, url_prefix="/api/v1/projects", description="政务信息化项目")


class MaterialSchema(Schema):
    present = Boolean(required=True)
    reference = String(allow_none=True, metadata={"description": "文号或文件编号"})


class StageChangeSchema(ResponseSchema):
    from_stage = String()
    to_stage = String()
    actor_id = Integer()
    reason = String()
    evidence = Dict()
    at = DateTime()


def _not_negative(value) -> None:
    # A function, not validate.Range: Range would put a Decimal minimum into the document.
    if value < 0:
        raise ValidationError("不能小于 0")


class ProjectSchema(Schema):
    id = Integer(dump_only=True)
    code = String(required=True, validate=text_length(1, 64))
    name = String(required=True, validate=text_length(1, 200))
    lead_department_id = Integer(metadata={"description": "默认为当前用户所在部门"})
    co_department_ids = List(Integer(), metadata={"description": "共建部门"})
    # Money travels as a decimal string ("300.00"), exact to the fen; numbers are accepted.
    investment = DecimalField(
        required=True,
        places=2,
        as_string=True,
        validate=_not_negative,
        metadata={
            "description": "总投资（万元），两位小数的十进制字符串",
            "type": "string",
            "format": "decimal",
            "pattern": r"^\d+(\.\d{1,2})?$",
            "example": "300.00",
        },
    )
    in_county_plan = Boolean(load_default=False)
    planned_acceptance_date = Date(allow_none=True)
    acceptance_materials = Dict(
        keys=String(),
        values=Nested(MaterialSchema),
        metadata={
            "description": "第十六条验收材料：construction_summary、financial_report、"
            "audit_report、sharing_assessment、security_assessment、crypto_assessment"
        },
    )
    extension_requests = List(Dict(), dump_only=True)
    stage = String(dump_only=True)
    stage_changes = List(Nested(StageChangeSchema), dump_only=True)
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class ProjectArgs(ListArgs):
    department_id = Integer()
    stage = String()
    in_county_plan = Boolean()
    q = String()


class ExtensionSchema(Schema):
    reason = String(required=True, validate=text_length(1, 1000))
    new_date = Date(required=True)


class StageMoveSchema(Schema):
    to_stage = String(required=True, validate=one_of(PROJECT_STAGES, "阶段"))
    reason = String(load_default=None, validate=text_length(max=1000))
    evidence = Dict(load_default=dict)


register_crud(
    blp,
    model=Project,
    schema=ProjectSchema,
    args_schema=ProjectArgs,
    label="项目",
    list_records=svc.list_projects,
    create=svc.create_project,
    update=svc.update_project,
    sortable=frozenset({"id", "name", "code", "investment", "updated_at"}),
)


@blp.route("/<int:project_id>/stage")
class ProjectStage(MethodView):
    @blp.arguments(StageMoveSchema)
    @blp.response(200, ProjectSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, project_id):
        """推进项目阶段（发改委；须带 If-Match）"""
        project = svc.move_project_stage(
            db.session,
            current_actor(),
            project_id,
            expected_version=if_match_version(),
            settings=svc.StageSettings.from_config(current_app.config),
            **data,
        )
        return with_etag(project)


@blp.route("/<int:project_id>/extension-requests")
class ProjectExtension(MethodView):
    @blp.arguments(ExtensionSchema)
    @blp.response(200, ProjectSchema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, project_id):
        """延期验收申请（第十六条；须带 If-Match）"""
        project = svc.record_extension_request(
            db.session, current_actor(), project_id, expected_version=if_match_version(), **data
        )
        return with_etag(project)
