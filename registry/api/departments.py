"""/api/v1/departments"""

from flask import current_app
from marshmallow import validate

from catalog_schemas.codes import DEPARTMENT_KINDS
from catalog_schemas.fields import DateTime, Integer, Schema, String, one_of, text_length

from ..models import Department
from ..services import departments as svc
from .base import Blueprint, ListArgs, current_actor
from .crud import register_crud

blp = Blueprint("departments", __name__, url_prefix="/api/v1/departments", description="部门/单位")


class DepartmentSchema(Schema):
    id = Integer(dump_only=True)
    code = String(
        required=True,
        validate=text_length(1, 32),
        metadata={"description": "统一社会信用代码（GB 32100）或本地组织机构代码"},
    )
    name = String(required=True, validate=text_length(1, 200))
    kind = String(required=True, validate=one_of(DEPARTMENT_KINDS, "部门类别"))
    parent_id = Integer(allow_none=True)
    region = String(allow_none=True, validate=text_length(max=100))
    function = String(
        allow_none=True,
        validate=text_length(max=32),
        metadata={
            "description": "部门职能（代码表：公安、市场监管、自然资源、发改、大数据、民政、人社、"
            "卫健、教育、其他，及配置 DEPARTMENT_FUNCTIONS_EXTRA 所加）；数据元权威来源按职能认定。"
            "未填写即未确认，数据流分析会提示"
        },
    )
    proposed_function = String(
        dump_only=True,
        metadata={"description": "按名称建议的职能（如 …公安局 → 公安），供管理员确认"},
    )
    licence_id = String(
        allow_none=True,
        validate=text_length(max=64),
        metadata={
            "description": "本部门信息资源的许可协议（配置 CATALOG_LICENSES 之一；空：目录默认）"
        },
    )
    contact_name = String(
        allow_none=True, validate=text_length(max=100), metadata={"description": "联系人"}
    )
    contact_email = String(
        allow_none=True,
        validate=[text_length(max=200), validate.Email(error="邮箱格式不正确")],
        metadata={"description": "联系邮箱", "format": "email"},
    )
    contact_phone = String(
        allow_none=True, validate=text_length(max=50), metadata={"description": "联系电话"}
    )
    landing_page = String(
        allow_none=True,
        validate=text_length(max=500),
        metadata={
            "description": "本部门网站上信息资源的页面地址，{code} 为信息资源代码、{id} 为编号"
            "（空：本目录中的资源页面）"
        },
    )
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class DepartmentArgs(ListArgs):
    kind = String()
    parent_id = Integer()
    region = String()
    q = String()


def _with_pattern(fn):
    def call(*args, **kwargs):
        config = current_app.config
        return fn(
            *args,
            local_pattern=config["DEPARTMENT_CODE_PATTERN"],
            licence_ids=config["CATALOG_LICENSES"],
            **kwargs,
        )

    return call


register_crud(
    blp,
    model=Department,
    schema=DepartmentSchema,
    args_schema=DepartmentArgs,
    label="部门",
    list_records=svc.list_departments,
    create=_with_pattern(svc.create_department),
    update=_with_pattern(svc.update_department),
    delete=svc.delete_department,
    sortable=frozenset({"id", "name", "code"}),
    read_actor=current_actor,
)
