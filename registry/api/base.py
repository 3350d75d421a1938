"""Our flask-smorest layer: the Api and Blueprint we use, the pager, sorting, ETags and
the caller's identity. Views use only these helpers, never flask-smorest directly."""

from __future__ import annotations

import re
from typing import Any

import flask_smorest
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import request
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import Select, func, select
from webargs.flaskparser import FlaskParser

from catalog_schemas.fields import Schema, String, text_length

from ..authz import Actor, require_login
from ..db import db
from ..errors import BadRequest, PreconditionFailed
from ..identity import current_actor
from .openapi import ErrorSchema, TruthfulErrors


def schema_name(schema: Any) -> str:
    """OpenAPI component names that tell full, partial (PATCH) and summary schemas apart."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    if isinstance(schema, ma.Schema):
        if schema.partial:
            name += "Patch"
        if schema.exclude:
            name += "Summary"
    return name


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, **kwargs):
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().__init__(
            app,
            spec_kwargs={"marshmallow_plugin": plugin, "extra_plugins": [TruthfulErrors()]},
            **kwargs,
        )

    def handle_http_exception(self, error):
        from .errors import handle_http_exception

        return handle_http_exception(error)


class _QueryParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    # A bad query parameter is a 400 (bad_query), a bad body a 422: so answered, so documented.
    PAGINATION_ARGUMENTS_PARSER = _QueryParser()

    def arguments(self, schema, *, location="json", **kwargs):
        if location == "query":
            kwargs.setdefault("error_status_code", 400)
        return super().arguments(schema, location=location, **kwargs)


class SQLPage(Page):
    """Page through a SQLAlchemy Select: one COUNT and one windowed SELECT."""

    # flask-smorest bounds page_size but not page; an OFFSET must fit the databases' 64 bits.
    MAX_PAGE = 10**7

    def __init__(self, collection, page_params) -> None:
        if page_params.page > self.MAX_PAGE:
            raise BadRequest(
                "页码过大", code="bad_query", errors={"page": [f"页码不能超过 {self.MAX_PAGE}"]}
            )
        super().__init__(collection, page_params)

    @property
    def item_count(self) -> int:
        return db.session.scalar(
            select(func.count()).select_from(self.collection.order_by(None).subquery())
        )

    @property
    def items(self) -> list[Any]:
        p = self.page_params
        stmt = self.collection.offset(p.first_item).limit(p.page_size)
        described = stmt.column_descriptions
        if len(described) == 1 and isinstance(described[0]["expr"], type):
            return list(db.session.scalars(stmt))  # ORM entities
        return [dict(row) for row in db.session.execute(stmt).mappings()]  # grouped columns


def paginate(blp: Blueprint):
    # Page size limits are part of the published API document, so they are fixed here.
    return blp.paginate(SQLPage, page_size=20, max_page_size=200)


class ListArgs(Schema):
    """Query arguments shared by every list: ``sort=name`` or ``sort=-updated_at``."""

    sort = String(load_default=None)


def apply_sort(stmt: Select, model: type, sort: str | None, allowed: set[str]) -> Select:
    """Order by the requested column; id breaks ties so pages never overlap, in the same
    direction, so that one index on (column, id) serves the whole order (mixed directions
    made SQLite sort 106,000 findings for each page of -updated_at: 457 ms)."""
    if sort:
        name = sort.lstrip("-")
        if name not in allowed:
            raise BadRequest(
                f"不支持按“{name}”排序",
                code="bad_query",
                errors={"sort": [f"可选：{'、'.join(sorted(allowed))}"]},
            )
        column = getattr(model, name)
        if sort.startswith("-"):
            return stmt.order_by(column.desc(), model.id.desc())
        stmt = stmt.order_by(column.asc())
    return stmt.order_by(model.id.asc())


def signed_in_actor() -> Actor:
    actor = current_actor()
    require_login(actor)
    return actor


_ETAG_RE = re.compile(r'\s*(?:W/)?"(\d+)"\s*')


def if_match_version() -> int | None:
    """The version named by If-Match; None when absent (the service answers 428)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    m = _ETAG_RE.fullmatch(raw)
    if not m:
        raise PreconditionFailed('If-Match 的格式应为 ETag，例如 "3"', code="bad_if_match")
    return int(m.group(1))


def with_etag(obj: Any, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    return obj, status, {"ETag": obj.etag}


class ReasonSchema(Schema):
    reason = String(load_default=None, validate=text_length(max=1000))


def register_transition(
    blp: Blueprint, rule: str, action: str, doc: str, schema: Any, transition: Any
) -> None:
    """POST {reason} with If-Match to ``rule``: one workflow step of a record."""

    @blp.arguments(ReasonSchema)
    @blp.response(200, schema)
    @blp.doc(**{"x-if-match": True})
    def post(self, data, **ids):
        (record_id,) = ids.values()
        record = transition(
            db.session,
            current_actor(),
            record_id,
            action=action,
            reason=data["reason"],
            expected_version=if_match_version(),
        )
        return with_etag(record)

    post.__doc__ = doc
    name = "".join(part.title() for part in (blp.name, action))
    blp.route(rule)(type(name, (MethodView,), {"post": post}))
