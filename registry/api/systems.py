"""/api/v1/systems"""

from catalog_schemas.codes import SYSTEM_DEPLOYMENTS, SYSTEM_STATUSES
from catalog_schemas.fields import (
    Boolean,
    DateTime,
    Integer,
    List,
    Schema,
    String,
    one_of,
    text_length,
)

from ..models import InformationSystem
from ..services import systems as svc
from .base import Blueprint, ListArgs
from .crud import register_crud

blp = Blueprint("systems", __name__, url_prefix="/api/v1/systems", description="政务信息系统")


class SystemSchema(Schema):
    id = Integer(dump_only=True)
    code = String(required=True, validate=text_length(1, 64))
    name = String(required=True, validate=text_length(1, 200))
    department_id = Integer(metadata={"description": "默认为当前用户所在部门"})
    in_system_catalog = Boolean(
        load_default=False, metadata={"description": "是否列入县级系统目录（Art. 17）"}
    )
    deployment = String(required=True, validate=one_of(SYSTEM_DEPLOYMENTS, "部署方式"))
    status = String(load_default="in_use", validate=one_of(SYSTEM_STATUSES, "系统状态"))
    project_ids = List(Integer(), metadata={"description": "建设或改造该系统的项目"})
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class SystemArgs(ListArgs):
    department_id = Integer()
    in_system_catalog = Boolean()
    status = String()
    deployment = String()
    q = String()


register_crud(
    blp,
    model=InformationSystem,
    schema=SystemSchema,
    args_schema=SystemArgs,
    label="信息系统",
    list_records=svc.list_systems,
    create=svc.create_system,
    update=svc.update_system,
    delete=svc.delete_system,
    sortable=frozenset({"id", "name", "code", "updated_at"}),
)
