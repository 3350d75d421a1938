"""/api/v1/interfaces"""

from catalog_schemas.codes import INTERFACE_HEALTH, INTERFACE_KINDS
from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Schema,
    String,
    one_of,
    text_length,
)

from ..models import Interface
from ..services import interfaces as svc
from .base import Blueprint, ListArgs
from .crud import register_crud

blp = Blueprint("interfaces", __name__, url_prefix="/api/v1/interfaces", description="共享接口")


class InterfaceSchema(Schema):
    id = Integer(dump_only=True)
    name = String(required=True, validate=text_length(1, 200))
    kind = String(required=True, validate=one_of(INTERFACE_KINDS, "接口类型"))
    department_id = Integer(metadata={"description": "默认为当前用户所在部门"})
    endpoint = String(allow_none=True, validate=text_length(max=500))
    protocol = String(allow_none=True, validate=text_length(max=32))
    openapi = Dict(allow_none=True, metadata={"description": "接口的 OpenAPI 文档"})
    platform_connected = Boolean(
        load_default=False, metadata={"description": "是否接入县数据共享交换平台（Art. 9(3)）"}
    )
    # The probe's findings (the interface_health job), not typed in.
    health = String(dump_only=True, metadata={"description": "、".join(INTERFACE_HEALTH)})
    health_checked_at = DateTime(dump_only=True)
    health_latency_ms = Float(dump_only=True, allow_none=True)
    health_failures = Integer(dump_only=True)
    health_detail = String(dump_only=True, allow_none=True)
    resource_ids = List(Integer(), load_default=list)
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class InterfaceArgs(ListArgs):
    department_id = Integer()
    kind = String()
    platform_connected = Boolean()
    resource_id = Integer()
    health = String(validate=one_of(INTERFACE_HEALTH, "健康状态"))


register_crud(
    blp,
    model=Interface,
    schema=InterfaceSchema,
    args_schema=InterfaceArgs,
    label="共享接口",
    list_records=svc.list_interfaces,
    create=svc.create_interface,
    update=svc.update_interface,
    delete=svc.delete_interface,
)
