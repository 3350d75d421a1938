"""/api/v1/resources: the catalog, its data items, workflow and history."""

from flask import current_app
from flask.views import MethodView
from marshmallow import validate
from marshmallow.fields import Method

from catalog_schemas import DataItemSchema, ResourceSchema
from catalog_schemas.fields import (
    DateTime,
    Dict,
    Integer,
    List,
    Nested,
    ResponseSchema,
    Schema,
    String,
)

from ..db import db
from ..services import resources as svc
from ..services.publication import Publisher
from .base import (
    Blueprint,
    ListArgs,
    apply_sort,
    current_actor,
    if_match_version,
    paginate,
    register_transition,
    with_etag,
)

blp = Blueprint("resources", __name__, url_prefix="/api/v1/resources", description="信息资源目录")


class PublicationSchema(ResponseSchema):
    licence_id = String(metadata={"description": "许可协议"})
    licence_title = String()
    licence_url = String(allow_none=True)
    contact_name = String(metadata={"description": "联系人（提供部门所设，未设时为目录的）"})
    contact_email = String(allow_none=True)
    contact_phone = String(allow_none=True)
    keywords = List(String(), metadata={"description": "关键词：分类名称与所含数据元"})
    modified = String(metadata={"description": "最后修改时间"})
    landing_page = String(metadata={"description": "资源页面"})


class ResourceDetailSchema(ResourceSchema):
    publication = Method(
        "_publication",
        dump_only=True,
        metadata={
            "description": "发布信息：许可协议、联系人、关键词、最后修改时间、资源页面"
            "（同导出与 CKAN、DCAT-AP）"
        },
    )

    def _publication(self, resource) -> dict:
        published = Publisher(db.session, current_app.config).build([resource])
        return PublicationSchema().dump(published[resource.id].as_record())


ResourceOut = ResourceDetailSchema(exclude=("items",))


class ResourceArgs(ListArgs):
    department_id = Integer()
    status = String()
    share_type = String()
    classification = String(
        validate=validate.Regexp(r"^\d{1,12}$", error="分类码前缀应为数字"),
        metadata={"description": "分类码前缀，如 101"},
    )
    update_cycle = String()
    format_class = String()
    system_id = Integer()
    q = String(metadata={"description": "名称包含"})


class ItemsSchema(Schema):
    items = List(Nested(DataItemSchema), required=True)


class VersionSchema(ResponseSchema):
    version = Integer()
    action = String()
    status = String()
    actor_id = Integer()
    reason = String()
    at = DateTime()
    diff = Dict()


@blp.route("")
class Resources(MethodView):
    @blp.arguments(ResourceArgs, location="query")
    @blp.response(200, ResourceSchema(many=True, exclude=("items",)))
    @paginate(blp)
    def get(self, args):
        """列出可见的信息资源（匿名用户仅见已发布且向社会开放的资源）"""
        sort = args.pop("sort")
        stmt = svc.list_resources(current_actor(), **args)
        return apply_sort(stmt, svc.Resource, sort, svc.SORTABLE)

    @blp.arguments(ResourceSchema)
    @blp.response(201, ResourceOut)
    def post(self, data):
        """登记信息资源（部门编辑；信息资源代码由系统生成）"""
        return with_etag(svc.create_resource(db.session, current_actor(), data=data), 201)


@blp.route("/<int:resource_id>")
class ResourceItem(MethodView):
    @blp.response(200, ResourceOut)
    def get(self, resource_id):
        return with_etag(svc.get_resource(db.session, current_actor(), resource_id))

    @blp.arguments(ResourceSchema(partial=True))
    @blp.response(200, ResourceOut)
    @blp.doc(**{"x-if-match": True})
    def patch(self, changes, resource_id):
        """修改信息资源（部分更新，须带 If-Match；给出 items 时整体替换信息项）"""
        resource = svc.update_resource(
            db.session,
            current_actor(),
            resource_id,
            changes=changes,
            expected_version=if_match_version(),
        )
        return with_etag(resource)


@blp.route("/<int:resource_id>/items")
class ResourceItems(MethodView):
    @blp.response(200, DataItemSchema(many=True))
    def get(self, resource_id):
        """信息项列表"""
        return svc.get_resource(db.session, current_actor(), resource_id).items

    @blp.arguments(ItemsSchema)
    @blp.response(200, DataItemSchema(many=True))
    @blp.doc(**{"x-if-match": True})
    def put(self, data, resource_id):
        """整体替换信息项（须带资源的 If-Match）"""
        resource = svc.replace_items(
            db.session,
            current_actor(),
            resource_id,
            items=data["items"],
            expected_version=if_match_version(),
        )
        return resource.items, 200, {"ETag": resource.etag}

    @blp.arguments(DataItemSchema)
    @blp.response(201, DataItemSchema(many=True))
    @blp.doc(**{"x-if-match": True})
    def post(self, item, resource_id):
        """追加一个信息项（须带资源的 If-Match）"""
        resource = svc.add_item(
            db.session, current_actor(), resource_id, item=item, expected_version=if_match_version()
        )
        return resource.items, 201, {"ETag": resource.etag}


for _action, _doc in (
    ("submit", "提交审核（部门编辑）"),
    ("publish", "审核通过并发布（大数据中心）"),
    ("reject", "退回修改（大数据中心，须说明原因）"),
    ("retire", "停用（提供部门或大数据中心，须说明原因）"),
):
    register_transition(
        blp, f"/<int:resource_id>/{_action}", _action, _doc, ResourceOut, svc.transition_resource
    )


@blp.route("/<int:resource_id>/versions")
class ResourceVersions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, resource_id):
        """版本历史，逐字段差异"""
        return svc.resource_versions(db.session, current_actor(), resource_id)
