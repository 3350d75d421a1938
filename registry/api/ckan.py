"""CKAN's Action API, read side, under /api/3/action/ and /api/action/: CKAN's envelope
(``help``, ``success``, ``result``) and error shapes, so ckanapi, CKAN's harvester and
udata's CKAN backend read the catalog as they read any CKAN. The mapping and who sees
what are in ``services/ckan.py``; this module only speaks the protocol."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import search
from ..db import db
from ..errors import Forbidden, NotFound, RegistryError, Unauthenticated
from ..identity import current_actor
from ..services import ckan as svc

bp = Blueprint("ckan", __name__)

_ERRORS = {  # our error → (HTTP status, CKAN's __type)
    NotFound: (404, "Not Found Error"),
    Unauthenticated: (403, "Authorization Error"),
    Forbidden: (403, "Authorization Error"),
    svc.SearchQueryError: (400, "Search Query Error"),
}


def _int(params: dict, name: str, default: int | None, *, low: int = 0) -> int | None:
    value = params.get(name, default)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise svc.SearchQueryError(
            f"{name} 应为整数", code="bad_query", errors={name: [str(value)]}
        ) from None
    if number < low:
        raise svc.SearchQueryError(
            f"{name} 不能小于 {low}", code="bad_query", errors={name: [value]}
        )
    return number


def _bool(params: dict, name: str) -> bool:
    value = params.get(name, False)
    return value is True or str(value).lower() in ("true", "1", "yes", "on")


def _list(params: dict, name: str) -> list[str]:
    value = params.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def _facet_limit(params: dict) -> int:
    limit = _int(params, "facet.limit", 50, low=-1)
    return svc.MAX_ROWS if limit < 0 else limit


def _page(params: dict) -> dict[str, int]:
    """limit and offset, or CKAN's older page (from 1)."""
    limit = min(_int(params, "limit", 10, low=1), svc.MAX_ROWS)
    page = _int(params, "page", 1, low=1)
    return {"limit": limit, "offset": _int(params, "offset", (page - 1) * limit)}


def _ref(params: dict) -> str:
    ref = params.get("id") or params.get("name")
    if not ref:
        raise svc.SearchQueryError("缺少 id", code="bad_query", errors={"id": ["必填"]})
    return str(ref)


def _actions() -> dict[str, Callable[[dict], Any]]:
    session, config = db.session, current_app.config

    def status_show(p):
        return {
            "site_title": config["CATALOG_TITLE"],
            "site_description": config["CATALOG_DESCRIPTION"],
            "site_url": config["PUBLIC_BASE_URL"].rstrip("/"),
            "ckan_version": svc.CKAN_VERSION,
            "error_emails_to": None,
            "locale_default": "zh_Hans_CN",
            "extensions": [],
        }

    return {
        "status_show": status_show,
        "site_read": lambda p: True,
        "package_list": lambda p: svc.package_list(
            session, limit=_int(p, "limit", None), offset=_int(p, "offset", 0)
        ),
        "package_show": lambda p: svc.package_show(session, current_actor(), config, _ref(p)),
        "package_search": lambda p: svc.package_search(
            session,
            search.backend(),
            current_actor(),
            config,
            q=p.get("q"),
            fq=p.get("fq"),
            rows=_int(p, "rows", 10),
            start=_int(p, "start", 0),
            sort=p.get("sort"),
            facet_fields=_list(p, "facet.field"),
            facet_limit=_facet_limit(p),
            include_private=_bool(p, "include_private"),
        ),
        "current_package_list_with_resources": lambda p: svc.current_package_list_with_resources(
            session, current_actor(), config, **_page(p)
        ),
        "organization_list": lambda p: svc.organization_list(
            session,
            all_fields=_bool(p, "all_fields"),
            limit=_int(p, "limit", None),
            offset=_int(p, "offset", 0),
        ),
        "organization_show": lambda p: svc.organization_show(
            session,
            current_actor(),
            config,
            _ref(p),
            include_datasets=_bool(p, "include_datasets"),
        ),
        "group_list": lambda p: svc.group_list(session, all_fields=_bool(p, "all_fields")),
        "group_show": lambda p: svc.group_show(
            session, current_actor(), config, _ref(p), include_datasets=_bool(p, "include_datasets")
        ),
        "tag_list": lambda p: svc.tag_list(session, query=p.get("query")),
        "resource_show": lambda p: svc.resource_show(session, current_actor(), config, _ref(p)),
    }


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>", methods=["GET", "POST"])
def action(name: str):
    help_url = (
        f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/api/3/action/help_show?name={name}"
    )
    actions = _actions()
    if name not in actions:
        return _error(400, "Bad request - Action name not known", f"未知的操作：{name}", help_url)
    params: dict[str, Any] = request.args.to_dict()
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        if body is None and request.data:
            return _error(400, "Bad request", "请求体不是有效的 JSON", help_url)
        params.update(body or {})
    try:
        current_actor()  # a bad token is refused whatever the action
        result = actions[name](params)
    except RegistryError as exc:
        status, kind = next(
            (v for cls, v in _ERRORS.items() if isinstance(exc, cls)), (409, "Validation Error")
        )
        return _error(status, kind, exc.message, help_url, exc.errors)
    return jsonify({"help": help_url, "success": True, "result": result})


def _error(status: int, kind: str, message: str, help_url: str, fields: dict | None = None):
    error = {"__type": kind, "message": f"{kind}: {message}"}
    if fields and kind == "Validation Error":
        error.update({k: v if isinstance(v, list) else [v] for k, v in fields.items()})
    response = jsonify({"help": help_url, "success": False, "error": error})
    response.status_code = status
    return response
