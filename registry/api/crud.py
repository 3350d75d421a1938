"""One collection + item pair of views for the registry's plain records.

Systems, interfaces, flows, data elements, projects, departments and users all follow
the same contract (list with filters, sort and pages; create; GET, PATCH with If-Match,
DELETE); the differences live in their schemas and services, not in the views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView

from ..authz import Actor
from ..db import db
from ..services._records import get_record
from .base import (
    Blueprint,
    apply_sort,
    current_actor,
    if_match_version,
    paginate,
    signed_in_actor,
    with_etag,
)


def register_crud(
    blp: Blueprint,
    *,
    model: type,
    schema: type,
    args_schema: type,
    label: str,
    list_records: Callable[..., Any],
    create: Callable[..., Any],
    update: Callable[..., Any],
    delete: Callable[..., Any] | None = None,
    sortable: frozenset[str] = frozenset({"id", "name"}),
    read_actor: Callable[[], Actor] = signed_in_actor,
) -> None:
    @blp.arguments(args_schema, location="query")
    @blp.response(200, schema(many=True))
    @paginate(blp)
    def list_view(self, args):
        read_actor()
        sort = args.pop("sort")
        return apply_sort(list_records(**args), model, sort, set(sortable))

    @blp.arguments(schema)
    @blp.response(201, schema)
    def create_view(self, data):
        return with_etag(create(db.session, current_actor(), data=data), 201)

    @blp.response(200, schema)
    def get_view(self, record_id):
        read_actor()
        return with_etag(get_record(db.session, model, record_id, label=label))

    @blp.arguments(schema(partial=True))
    @blp.response(200, schema)
    @blp.doc(**{"x-if-match": True})
    def patch_view(self, changes, record_id):
        record = update(
            db.session,
            current_actor(),
            record_id,
            changes=changes,
            expected_version=if_match_version(),
        )
        return with_etag(record)

    list_view.__doc__ = f"列出{label}（可筛选、排序、分页）"
    create_view.__doc__ = f"新建{label}"
    get_view.__doc__ = f"查看{label}（响应带 ETag）"
    patch_view.__doc__ = f"修改{label}（部分更新，须带 If-Match）"
    item_methods: dict[str, Any] = {"get": get_view, "patch": patch_view}
    if delete is not None:

        @blp.response(204)
        @blp.doc(**{"x-if-match": True})
        def delete_view(self, record_id):
            delete(db.session, current_actor(), record_id, expected_version=if_match_version())

        delete_view.__doc__ = f"删除{label}（须带 If-Match）"
        item_methods["delete"] = delete_view

    name = blp.name.title().replace("_", "").replace("-", "")
    blp.route("")(type(f"{name}Collection", (MethodView,), {"get": list_view, "post": create_view}))
    blp.route("/<int:record_id>")(type(f"{name}Item", (MethodView,), item_methods))
