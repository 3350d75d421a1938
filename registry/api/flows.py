"""/api/v1/flows"""

from catalog_schemas.codes import FLOW_ORIGINS
from catalog_schemas.fields import Boolean, DateTime, Integer, Schema, String, one_of, text_length

from ..models import Flow
from ..services import flows as svc
from .base import Blueprint, ListArgs
from .crud import register_crud

blp = Blueprint("flows", __name__, url_prefix="/api/v1/flows", description="数据流")


class FlowSchema(Schema):
    id = Integer(dump_only=True)
    source_system_id = Integer(allow_none=True)
    source_department_id = Integer(
        allow_none=True, metadata={"description": "给出来源系统时可省略"}
    )
    target_system_id = Integer(allow_none=True)
    target_department_id = Integer(
        allow_none=True, metadata={"description": "给出目标系统时可省略"}
    )
    resource_id = Integer(allow_none=True)
    interface_id = Integer(allow_none=True)
    via_platform = Boolean(load_default=True, metadata={"description": "经共享交换平台，或点对点"})
    origin = String(load_default="declared", validate=one_of(FLOW_ORIGINS, "来源"))
    project_id = Integer(
        allow_none=True, metadata={"description": "在该项目框架设计中申报（Art. 9(6)）"}
    )
    description = String(allow_none=True, validate=text_length(max=500))
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class FlowArgs(ListArgs):
    department_id = Integer()
    system_id = Integer()
    resource_id = Integer()
    project_id = Integer()
    via_platform = Boolean()
    origin = String()


register_crud(
    blp,
    model=Flow,
    schema=FlowSchema,
    args_schema=FlowArgs,
    label="数据流",
    list_records=svc.list_flows,
    create=svc.create_flow,
    update=svc.update_flow,
    delete=svc.delete_flow,
    sortable=frozenset({"id", "updated_at"}),
)
