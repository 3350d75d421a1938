"""DCAT-AP for harvesters: /catalog.ttl|.jsonld|.rdf (paged with Hydra, as ckanext-dcat
pages it), one entry as /resources/{id}.ttl (or by content negotiation on its page), and
the registry's SKOS vocabularies at /vocab/{name}. services/dcat.py holds the mapping."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request, url_for

from ..db import db
from ..errors import BadRequest
from ..identity import current_actor
from ..services import dcat

bp = Blueprint("dcat", __name__)
RDF_FORMATS = "any(ttl, jsonld, rdf)"


def rdf_response(graph, fmt: str) -> Response:
    body = dcat.serialize(graph, fmt)
    response = Response(body, mimetype=dcat.FORMATS[fmt][1])
    response.headers["Vary"] = "Accept"
    if response.mimetype.startswith("text/"):
        response.charset = "utf-8"
    return response


def _page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest("page 应为正整数", errors={"page": ["应为正整数"]})
    return int(raw)


def _modified_since() -> datetime | None:
    raw = request.args.get("modified_since")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            "modified_since 应为 ISO 8601 时间，如 2026-01-01T00:00:00",
            errors={"modified_since": ["应为 ISO 8601 时间"]},
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@bp.get(f"/catalog.<{RDF_FORMATS}:fmt>")
def catalog(fmt: str):
    """The catalog, a page of entries at a time, newest change first."""
    number, since = _page(), _modified_since()
    builder = dcat.Dcat(db.session, current_actor(), current_app.config)
    graph, page = builder.catalog_page(number, current_app.config["DCAT_PAGE_SIZE"], since)
    extra = {"modified_since": request.args["modified_since"]} if since else {}

    def url_of(n: int) -> str:
        return url_for("dcat.catalog", fmt=fmt, page=n, _external=False, **extra)

    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    builder.add_paging(graph, page, lambda n: base + url_of(n))
    return rdf_response(graph, fmt)


@bp.get(f"/resources/<int:resource_id>.<{RDF_FORMATS}:fmt>")
def entry(resource_id: int, fmt: str):
    builder = dcat.Dcat(db.session, current_actor(), current_app.config)
    return rdf_response(builder.entry_graph(resource_id), fmt)


@bp.get('/vocab/<any(classification, "access-rights", licence):name>')
def vocabulary(name: str):
    """A SKOS concept scheme the catalog's entries use (Turtle unless asked otherwise)."""
    fmt = dcat.negotiate(request.accept_mimetypes) or "ttl"
    builder = dcat.Dcat(db.session, current_actor(), current_app.config)
    return rdf_response(builder.vocabulary_graph(name), fmt)
