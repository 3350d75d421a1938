"""/api/v1/data-elements"""

from flask.views import MethodView

from catalog_schemas.fields import (
    DateTime,
    Dict,
    Integer,
    List,
    ResponseSchema,
    Schema,
    String,
    text_length,
)

from ..db import db
from ..models import DataElement
from ..services import elements as svc
from .base import Blueprint, ListArgs, current_actor
from .crud import register_crud

blp = Blueprint("data_elements", __name__, url_prefix="/api/v1/data-elements", description="数据元")


class DataElementSchema(Schema):
    id = Integer(dump_only=True)
    identifier = String(required=True, validate=text_length(1, 64))
    name = String(required=True, validate=text_length(1, 100))
    synonyms = List(String(), load_default=list)
    data_type = String(required=True, validate=text_length(1, 16))
    format = String(
        allow_none=True, validate=text_length(max=32), metadata={"description": "表示格式，如 c18"}
    )
    value_domain = String(allow_none=True, validate=text_length(max=200))
    source_function = String(
        allow_none=True,
        validate=text_length(max=32),
        metadata={"description": "权威来源部门的职能，如 公安"},
    )
    family = String(
        allow_none=True,
        validate=text_length(max=32),
        metadata={"description": "所属类别，如 人口、法人单位"},
    )
    source_department_id = Integer(
        allow_none=True, metadata={"description": "权威来源部门（一数一源）"}
    )
    source_system_id = Integer(allow_none=True)
    source_resource_id = Integer(allow_none=True)
    version = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)
    updated_at = DateTime(dump_only=True)


class DataElementArgs(ListArgs):
    q = String()
    data_type = String()
    family = String()


class ElementVersionSchema(ResponseSchema):
    version = Integer()
    action = String()
    actor_id = Integer()
    snapshot = Dict()
    at = DateTime()


register_crud(
    blp,
    model=DataElement,
    schema=DataElementSchema,
    args_schema=DataElementArgs,
    label="数据元",
    list_records=svc.list_elements,
    create=svc.create_element,
    update=svc.update_element,
    delete=svc.delete_element,
    sortable=frozenset({"id", "name", "identifier"}),
    read_actor=current_actor,
)


@blp.route("/<int:element_id>/versions")
class DataElementVersions(MethodView):
    @blp.response(200, ElementVersionSchema(many=True))
    def get(self, element_id):
        """数据元的版本历史"""
        return svc.element_versions(db.session, element_id)
