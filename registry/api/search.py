"""/api/v1/search: resources across agencies, with facets, highlights and synonyms."""

from flask import current_app
from flask.views import MethodView

from catalog_schemas.codes import CATEGORY_NAMES, RESOURCE_STATUSES, SHARE_TYPES
from catalog_schemas.fields import (
    Boolean,
    Dict,
    Float,
    Integer,
    List,
    Nested,
    Raw,
    ResponseSchema,
    Schema,
    String,
    one_of,
    text_length,
)

from .. import search
from ..db import db
from ..search.base import FACETS, MAX_LIMIT, SORTS
from ..services.search import FILTERS, search_resources
from .base import Blueprint, current_actor

blp = Blueprint("search", __name__, url_prefix="/api/v1", description="跨部门信息资源检索")


class SearchArgs(Schema):
    q = String(
        load_default=None,
        validate=text_length(max=200),
        metadata={"description": "检索词：中文、英文或代码；数据元的同义词自动扩展"},
    )
    share_type = List(String(validate=one_of(SHARE_TYPES, "共享类型")), load_default=list)
    category = List(String(validate=one_of(tuple(CATEGORY_NAMES), "资源分类")), load_default=list)
    provider_id = List(
        Integer(), load_default=list, metadata={"description": "提供方部门 ID，可重复"}
    )
    system_id = List(
        Integer(), load_default=list, metadata={"description": "产生资源的信息系统 ID，可重复"}
    )
    update_cycle = List(String(validate=text_length(max=16)), load_default=list)
    status = List(String(validate=one_of(RESOURCE_STATUSES, "状态")), load_default=list)
    sort = String(load_default="relevance", validate=one_of(SORTS, "排序方式"))
    limit = Integer(
        load_default=20,
        validate=lambda n: 1 <= n <= MAX_LIMIT,
        metadata={"description": f"每页条数，1–{MAX_LIMIT}"},
    )
    cursor = String(load_default=None, metadata={"description": "上一页返回的 next_cursor"})
    facets = List(
        String(validate=one_of(FACETS, "分面")),
        load_default=None,
        metadata={"description": "需要的分面；缺省为全部"},
    )


class FacetValueSchema(ResponseSchema):
    value = Raw(metadata={"description": "取值：部门为 ID，其余为代码或名称"})
    label = String()
    count = Integer()


class SearchHitSchema(ResponseSchema):
    id = Integer()
    code = String()
    name = String()
    summary = String()
    category = String()
    classification_path = List(String())
    provider_id = Integer()
    provider_name = String()
    systems = List(String())
    share_type = String()
    open_type = String()
    update_cycle = String()
    status = String()
    updated_at = String()
    score = Float(allow_none=True)
    highlights = Dict(keys=String(), values=List(String()))


class SynonymSchema(ResponseSchema):
    term = String()
    element = String()
    expanded_to = List(String())


class QueryEchoSchema(ResponseSchema):
    q = String()
    terms = List(String())
    synonyms = List(Nested(SynonymSchema))
    sort = String()


class SearchResultSchema(ResponseSchema):
    total = Integer(
        metadata={"description": "命中数：不超过上限（默认 10,000）时精确，否则为上限本身"}
    )
    total_relation = String(
        metadata={"description": "eq：total 精确；gte：命中数不少于 total", "enum": ["eq", "gte"]}
    )
    facets_approximate = Boolean(
        metadata={"description": "命中数超过上限时为 true，分面计数为不少于所示数目的近似值"}
    )
    hits = List(Nested(SearchHitSchema))
    facets = Dict(keys=String(), values=List(Nested(FacetValueSchema)))
    query = Nested(QueryEchoSchema)
    next_cursor = String(allow_none=True)


@blp.route("/search")
class SearchView(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchResultSchema)
    def get(self, args):
        """检索信息资源：分词、同义词扩展、筛选、分面、排序与游标翻页"""
        filters = {name: args[name] for name in FILTERS}
        return search_resources(
            db.session,
            search.backend(),
            current_actor(),
            q=args["q"],
            filters=filters,
            sort=args["sort"],
            limit=args["limit"],
            cursor=args["cursor"],
            facets=args["facets"],
            recheck_after=current_app.config["SEARCH_SYNONYMS_RECHECK"],
        )
