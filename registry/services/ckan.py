"""The catalog as CKAN's Action API shows it (read side), for the tools other catalogs
already use to read each other: ckanapi, CKAN's harvester, udata's CKAN backend.

The mapping (README "Speaking CKAN"): a published catalog entry (信息资源) is a
*package*: its 编制指南 fields as named extras, its data items as a data dictionary; the
interfaces that serve it are the package's *resources*; the providing department is its
*organization*; the 类 + 项 of its classification is its *group*; tags are the
classification's names and the data elements its items match. ``private`` is CKAN's word
for an entry not open to the public (不予开放).

Who sees what is ``authz.feed_visibility``: published entries only; anonymous callers
and ``package_list`` only what is open to the public; a signed-in caller the rest with
``include_private``. Search with ``q`` goes through the configured search backend, the
same path as ``/api/v1/search``; without ``q`` (the harvester's listing by
``metadata_modified``) it is SQL over the catalog.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog_schemas.codes import CATEGORY_NAMES, SUBJECTS

from ..authz import Actor, Visibility, feed_visibility
from ..errors import BadRequest, NotFound
from ..models import (
    DataElement,
    DataItem,
    Department,
    Interface,
    Resource,
)
from ..search.base import MAX_LIMIT, SearchBackend
from .interfaces import access_url, serving_interfaces
from .publication import Publication, Publisher
from .resources import visibility_clause
from .search import search_resources

CKAN_VERSION = "2.10.4"  # the Action API level served (read side only)
MAX_ROWS = 1000  # as CKAN's ckan.search.rows_max
MAX_WINDOW = 10_000  # start + rows with q, as a search engine's result window
_NAMESPACE = uuid.UUID("6f1b8a3e-3c1d-5b8e-9d2a-4c6e0f7a9b21")


class SearchQueryError(BadRequest):
    """CKAN's "Search Query Error": a q, fq or sort it cannot read."""


# -- identifiers ----------------------------------------------------------------------------


def package_name(code: str) -> str:
    """信息资源代码 → a CKAN name: 101001/000001 → 101001-000001."""
    return re.sub(r"[^a-z0-9_-]+", "-", code.lower()).strip("-")


def package_id(code: str) -> str:
    """A stable UUID from the 信息资源代码, so a harvester keeps its copy across runs."""
    return str(uuid.uuid5(_NAMESPACE, f"resource:{code}"))


def organization_name(code: str) -> str:
    return package_name(code)


def organization_id(code: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"department:{code}"))


def group_of(classification_code: str) -> str:
    """The group: 类 + 项 of the classification (101 人口, 203 社会保障…)."""
    return classification_code[:3]


def groups() -> list[dict[str, Any]]:
    return [
        {"code": cat + subject, "title": title, "category": CATEGORY_NAMES[cat]}
        for cat, subjects in SUBJECTS.items()
        for subject, title in subjects.items()
    ]


def _group_title(code: str) -> str | None:
    return SUBJECTS.get(code[:1], {}).get(code[1:3])


# -- dictionaries ---------------------------------------------------------------------------


def _ckan_time(value: datetime | None) -> str | None:
    """CKAN's timestamps: UTC, no zone suffix, microseconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def organization_dict(d: Department, package_count: int | None = None) -> dict[str, Any]:
    org = {
        "id": organization_id(d.code),
        "name": organization_name(d.code),
        "title": d.name,
        "display_name": d.name,
        "description": f"{d.name}（统一社会信用代码 {d.code}）",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "created": _ckan_time(d.created_at),
        "image_url": "",
        "extras": [{"key": "统一社会信用代码", "value": d.code}],
    }
    if package_count is not None:
        org["package_count"] = package_count
    return org


def group_dict(code: str, package_count: int | None = None) -> dict[str, Any]:
    title = _group_title(code) or code
    group = {
        "id": str(uuid.uuid5(_NAMESPACE, f"group:{code}")),
        "name": code,
        "title": title,
        "display_name": title,
        "description": f"{CATEGORY_NAMES.get(code[:1], '')} · {title}（信息资源分类 {code}）",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
    }
    if package_count is not None:
        group["package_count"] = package_count
    return group


def resource_dict(i: Interface, entry: Resource, position: int, base_url: str) -> dict:
    """An interface serving the entry, as one of the package's resources."""
    return {
        "id": resource_id(entry.code, i.id),
        "package_id": package_id(entry.code),
        "name": i.name,
        "description": f"{'已接入' if i.platform_connected else '未接入'}县共享交换平台的"
        f"{i.kind}接口" + (f"（{i.protocol}）" if i.protocol else ""),
        "url": access_url(i, entry, base_url),
        "format": (i.protocol or i.kind or "").upper(),
        "resource_type": i.kind,
        "state": "active",
        "position": position,
        "created": _ckan_time(i.created_at),
        "last_modified": _ckan_time(i.updated_at),
        "mimetype": None,
        "size": None,
        "url_type": None,
        "platform_connected": i.platform_connected,
        "health": i.health,
    }


def resource_id(code: str, interface_id: int) -> str:
    """A package resource: the entry's name and the interface's number."""
    return f"{package_name(code)}-api-{interface_id}"


class Packages:
    """Builds package dicts for a batch of entries, loading what they need at once."""

    def __init__(self, session: Session, actor: Actor, config: dict) -> None:
        self.session = session
        self.actor = actor
        self.base_url = config["PUBLIC_BASE_URL"].rstrip("/")
        self.publisher = Publisher(session, config)

    def build(self, entries: Iterable[Resource]) -> list[dict[str, Any]]:
        entries = list(entries)
        interfaces = serving_interfaces(self.session, self.actor, (r.id for r in entries))
        publication = self.publisher.build(entries)
        return [self._package(r, interfaces[r.id], publication[r.id]) for r in entries]

    def _package(self, r: Resource, interfaces: list[Interface], p: Publication) -> dict:
        group = group_of(r.classification_code)
        tags = sorted(p.keywords)
        extras = {
            "信息资源代码": r.code,
            "信息资源分类": r.classification_code,
            "共享类型": r.share_type,
            "共享条件": r.share_condition,
            "共享方式": "/".join(x for x in (r.share_method_class, r.share_method_platform) if x),
            "开放类型": r.open_type,
            "开放条件": r.open_condition,
            "更新周期": r.update_cycle,
            "发布日期": r.publish_date.isoformat(),
            "资源格式": "/".join(x for x in (r.format_class, r.format_detail) if x),
            "关联资源代码": "、".join(r.related_codes or ()),
            "所属信息系统": "、".join(sorted(s.name for s in r.systems)),
            "联系电话": p.contact.phone,
        }
        return {
            "id": package_id(r.code),
            "name": package_name(r.code),
            "title": r.name,
            "notes": r.summary,
            "url": p.landing_page,
            "type": "dataset",
            "state": "active",
            "private": not r.open_to_public,
            "author": r.provider.name,
            "author_email": None,
            "maintainer": p.contact.name,
            "maintainer_email": p.contact.email,
            "license_id": p.licence.id,
            "license_title": p.licence.title,
            "license_url": p.licence.url,
            "metadata_created": _ckan_time(r.created_at),
            "metadata_modified": _ckan_time(r.updated_at),
            "owner_org": organization_id(r.provider.code),
            "organization": organization_dict(r.provider),
            "groups": [
                {k: v for k, v in group_dict(group).items() if k in ("id", "name", "title")}
                | {"display_name": _group_title(group) or group}
            ],
            "tags": [{"name": t, "display_name": t, "state": "active"} for t in tags],
            "num_tags": len(tags),
            "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
            "resources": [resource_dict(i, r, n, self.base_url) for n, i in enumerate(interfaces)],
            "num_resources": len(interfaces),
            # The data items (信息项), in the shape of a datastore data dictionary.
            "data_dictionary": [
                {
                    "id": item.name,
                    "type": item.data_type,
                    "info": {
                        "label": item.name,
                        "notes": item.description or "",
                        "length": item.length,
                        "collection_mode": item.collection_mode,
                        "share_type": item.share_type or r.share_type,
                    },
                }
                for item in r.items
            ],
        }


# -- reading --------------------------------------------------------------------------------


def _entries(visibility: Visibility) -> Select:
    return (
        select(Resource)
        .where(visibility_clause(visibility), Resource.status == "published")
        .options(
            selectinload(Resource.provider),
            selectinload(Resource.systems),
            selectinload(Resource.items),
        )
    )


def _lookup(stmt: Select, ref: str) -> Select:
    """A package by its name (101001-000001), its 信息资源代码 or its number."""
    ref = (ref or "").strip()
    conditions = [Resource.code == ref]
    if re.fullmatch(r"[1-3]\d{5,11}-\d{6,}", ref):
        conditions.append(Resource.code == ref.replace("-", "/"))
    if ref.isdigit():
        conditions.append(Resource.id == int(ref))
    return stmt.where(or_(*conditions))


def _count(session: Session, stmt: Select) -> int:
    """How many entries a package query holds."""
    return session.scalar(
        select(func.count()).select_from(stmt.with_only_columns(Resource.id).subquery())
    )


def _with_packages(
    session: Session,
    actor: Actor,
    config: dict,
    record: dict,
    stmt: Select,
    include_datasets: bool,
) -> dict[str, Any]:
    """An organization or group with its package count, and its packages when asked."""
    record["package_count"] = _count(session, stmt)
    if include_datasets:
        entries = session.scalars(stmt.order_by(Resource.code).limit(MAX_ROWS))
        record["packages"] = Packages(session, actor, config).build(entries)
    return record


def package_show(session: Session, actor: Actor, config: dict, ref: str) -> dict[str, Any]:
    visibility = feed_visibility(actor, include_private=True)
    stmt = _entries(visibility)
    if _is_uuid(ref):
        # UUIDs are derived from codes: find the code whose UUID this is.
        codes = session.scalars(select(Resource.code).where(Resource.status == "published"))
        code = next((c for c in codes if package_id(c) == ref), None)
        found = session.scalar(stmt.where(Resource.code == code)) if code else None
    else:
        found = session.scalar(_lookup(stmt, ref))
    if found is None:
        raise NotFound(f"数据集“{ref}”不存在", code="not_found")
    return Packages(session, actor, config).build([found])[0]


def _is_uuid(ref: str) -> bool:
    try:
        uuid.UUID(ref)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def package_list(session: Session, *, limit: int | None, offset: int) -> list[str]:
    """Names of the public, published entries (CKAN's package_list: never private)."""
    stmt = (
        select(Resource.code)
        .where(visibility_clause(feed_visibility_public()), Resource.status == "published")
        .order_by(Resource.code)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [package_name(c) for c in session.scalars(stmt)]


def feed_visibility_public() -> Visibility:
    return feed_visibility(Actor.anonymous())


def current_package_list_with_resources(
    session: Session, actor: Actor, config: dict, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    stmt = (
        _entries(feed_visibility(actor))
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Packages(session, actor, config).build(session.scalars(stmt))


# -- package_search -------------------------------------------------------------------------

_RANGE = re.compile(r"^\[\s*(\S+)\s+TO\s+(\S+)\s*\]$", re.IGNORECASE)
_TERM = re.compile(r'(-?)(\w+):("[^"]*"|\[[^\]]*\]|\S+)')
FACET_FIELDS = ("organization", "groups", "res_format", "license_id", "tags")
_SORTS = {
    "score desc": None,
    "relevance": None,
    "metadata_modified desc": (Resource.updated_at.desc(), Resource.id.desc()),
    "metadata_modified asc": (Resource.updated_at, Resource.id),
    "metadata_created desc": (Resource.created_at.desc(), Resource.id.desc()),
    "metadata_created asc": (Resource.created_at, Resource.id),
    "name asc": (Resource.code,),
    "name desc": (Resource.code.desc(),),
    "title_string asc": (Resource.name, Resource.id),
    "title_string desc": (Resource.name.desc(), Resource.id.desc()),
    "id asc": (Resource.code,),  # ids are derived from codes: one stable order
    "id desc": (Resource.code.desc(),),
}
_BACKEND_SORTS = {"metadata_modified desc": "-updated_at", "metadata_modified asc": "updated_at"}


def _parse_time(value: str, field: str) -> datetime | None:
    if value == "*":
        return None
    text = value.rstrip("Z").replace("NOW", "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise SearchQueryError(
            f"无法解析的时间：{value}", code="bad_query", errors={"fq": [f"{field}:{value}"]}
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def parse_fq(session: Session, fq: str) -> tuple[list, dict[str, list[Any]]]:
    """The filter query terms harvesters send: organization (OR-ed or negated), groups,
    res_format, name, metadata_modified / metadata_created ranges. Returns SQL clauses
    and the same filters in the search backend's terms where it has them."""
    clauses: list = []
    backend: dict[str, list[Any]] = {}
    text = re.sub(r"\s+OR\s+", " | ", fq or "")
    # A group of OR-ed terms of one field: organization:a | organization:b.
    alternatives: dict[str, list[tuple[bool, str]]] = {}
    rest = _TERM.sub(lambda m: _collect(m, alternatives) or "", text)
    if rest.replace("|", "").strip() not in ("", "*:*"):
        raise SearchQueryError(
            f"无法解析的过滤条件：{rest.strip()}", code="bad_query", errors={"fq": [fq]}
        )
    for field, terms in alternatives.items():
        wanted = [v.strip('"') for neg, v in terms if not neg]
        unwanted = [v.strip('"') for neg, v in terms if neg]
        if field in ("organization", "owner_org"):
            ids = _department_ids(session, wanted + unwanted)
            if wanted:
                chosen = [ids[v] for v in wanted if v in ids]
                clauses.append(Resource.provider_department_id.in_(chosen))
                backend["provider_id"] = chosen
            if unwanted:
                clauses.append(
                    Resource.provider_department_id.not_in([ids[v] for v in unwanted if v in ids])
                )
        elif field == "groups":
            clauses.append(
                or_(*(Resource.classification_code.startswith(g, autoescape=True) for g in wanted))
            )
        elif field == "res_format":
            clauses.append(Resource.format_class.in_(wanted))
        elif field == "name":
            clauses.append(or_(*(Resource.code == w.replace("-", "/", 1) for w in wanted)))
        elif field in ("metadata_modified", "metadata_created"):
            column = Resource.updated_at if field == "metadata_modified" else Resource.created_at
            for _, value in terms:
                m = _RANGE.match(value)
                if not m:
                    raise SearchQueryError(
                        "时间条件应为 [起 TO 止]", code="bad_query", errors={"fq": [value]}
                    )
                low, high = _parse_time(m[1], field), _parse_time(m[2], field)
                if low:
                    clauses.append(column >= low)
                if high:
                    clauses.append(column <= high)
        elif field in ("dataset_type", "type", "state", "capacity"):
            continue  # every package is an active public dataset of type "dataset"
        else:
            raise SearchQueryError(
                f"不支持的过滤字段：{field}",
                code="bad_query",
                errors={
                    "fq": [
                        "可用：organization、groups、res_format、name、"
                        "metadata_modified、metadata_created"
                    ]
                },
            )
    return clauses, backend


def _collect(m: re.Match, alternatives: dict) -> None:
    alternatives.setdefault(m[2], []).append((m[1] == "-", m[3]))


def _department_ids(session: Session, names: list[str]) -> dict[str, int]:
    """Organization name (the lower-cased code) or UUID → department id."""
    found = {}
    for d_id, code in session.execute(select(Department.id, Department.code)):
        for key in (organization_name(code), organization_id(code), code):
            if key in names:
                found[key] = d_id
    return found


def package_search(
    session: Session,
    backend: SearchBackend,
    actor: Actor,
    config: dict,
    *,
    q: str | None,
    fq: str | None,
    rows: int,
    start: int,
    sort: str | None,
    facet_fields: list[str],
    facet_limit: int,
    include_private: bool,
) -> dict[str, Any]:
    if not 0 <= rows <= MAX_ROWS:
        raise SearchQueryError("rows 应为 0 至 1000", code="bad_query", errors={"rows": [rows]})
    if start < 0:
        raise SearchQueryError("start 不能为负", code="bad_query", errors={"start": [start]})
    sort = (sort or ("score desc" if q else "metadata_modified desc")).strip().lower()
    sort = re.sub(r"\s+", " ", sort).split(",")[0]
    if sort not in _SORTS:
        raise SearchQueryError(
            f"不支持的排序：{sort}", code="bad_query", errors={"sort": list(_SORTS)}
        )
    visibility = feed_visibility(actor, include_private=include_private)
    clauses, backend_filters = parse_fq(session, fq or "")
    q = (q or "").strip()
    if q in ("*:*", "*"):
        q = ""
    if q:
        ids, count, org_counts = _search_ids(
            session, backend, actor, visibility, q, backend_filters, clauses, sort, start, rows
        )
        entries = _in_order(session, visibility, ids)
        facets = _backend_facets(session, org_counts, facet_fields, facet_limit)
    else:
        stmt = _entries(visibility).where(*clauses)
        count = _count(session, stmt)
        order = _SORTS[sort] or (Resource.updated_at.desc(), Resource.id.desc())
        entries = session.scalars(stmt.order_by(*order).offset(start).limit(rows)).all()
        facets = _facets(session, stmt, facet_fields, facet_limit)
    packages = Packages(session, actor, config).build(entries)
    return {
        "count": count,
        "results": packages,
        "sort": sort,
        "facets": {f: {i["name"]: i["count"] for i in v["items"]} for f, v in facets.items()},
        "search_facets": facets,
    }


def _search_ids(
    session, backend, actor, visibility, q, filters, clauses, sort, start, rows
) -> tuple[list[int], int]:
    """Ids of the hits from start to start + rows, through the search backend (the same
    path as /api/v1/search); only the filters it has may be combined with q."""
    if any(k not in ("provider_id",) for k in filters) or len(clauses) > len(filters):
        raise SearchQueryError(
            "带 q 检索时过滤条件仅支持 organization",
            code="bad_query",
            errors={"fq": ["metadata_modified 等条件请在 q 为空时使用"]},
        )
    if start + rows > MAX_WINDOW:
        raise SearchQueryError(
            f"start + rows 不能超过 {MAX_WINDOW}", code="bad_query", errors={"start": [start]}
        )
    wanted, cursor, ids, total, orgs = start + rows, None, [], 0, []
    while True:
        page = search_resources(
            session,
            backend,
            actor,
            q=q,
            filters={**filters, "status": ["published"]},
            sort=_BACKEND_SORTS.get(sort, "relevance"),
            limit=min(MAX_LIMIT, max(wanted - len(ids), 1)),
            cursor=cursor,
            facets=["provider_id"] if cursor is None else [],
            visibility=visibility,
            exact_total=True,
        )
        total = page["total"]
        orgs = orgs or page["facets"].get("provider_id", [])
        ids += [h["id"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if len(ids) >= wanted or not cursor or not page["hits"]:
            break
    return ids[start : start + rows], total, orgs


def _backend_facets(session: Session, orgs: list[dict], fields: list[str], limit: int) -> dict:
    """With q, the search backend counts: organization from its provider facet (the
    others it does not keep are returned empty)."""
    out = {}
    codes = dict(
        session.execute(
            select(Department.id, Department.code).where(
                Department.id.in_([o["value"] for o in orgs])
            )
        ).all()
    )
    for field in fields:
        items = []
        if field == "organization":
            items = [
                {
                    "name": organization_name(codes[o["value"]]),
                    "display_name": o["label"],
                    "count": o["count"],
                }
                for o in orgs[:limit]
                if o["value"] in codes
            ]
        out[field] = {"title": field, "items": items}
    return out


def _in_order(session: Session, visibility: Visibility, ids: list[int]) -> list[Resource]:
    found = {r.id: r for r in session.scalars(_entries(visibility).where(Resource.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _facets(session: Session, scope: Select, fields: list[str], limit: int) -> dict:
    """CKAN's search_facets over the whole hit set, one GROUP BY per field asked for."""
    hits = scope.with_only_columns(
        Resource.id,
        Resource.provider_department_id,
        Resource.classification_code,
        Resource.format_class,
    ).subquery()
    out: dict[str, dict] = {}
    for field in fields:
        if field == "organization":
            rows = session.execute(
                select(Department.code, Department.name, func.count())
                .join(hits, hits.c.provider_department_id == Department.id)
                .group_by(Department.code, Department.name)
                .order_by(func.count().desc(), Department.code)
                .limit(limit)
            ).all()
            items = [
                {"name": organization_name(c), "display_name": n, "count": k} for c, n, k in rows
            ]
        elif field == "groups":
            group = func.substr(hits.c.classification_code, 1, 3)
            rows = session.execute(
                select(group, func.count())
                .group_by(group)
                .order_by(func.count().desc(), group)
                .limit(limit)
            ).all()
            items = [{"name": g, "display_name": _group_title(g) or g, "count": k} for g, k in rows]
        elif field == "res_format":
            rows = session.execute(
                select(hits.c.format_class, func.count())
                .group_by(hits.c.format_class)
                .order_by(func.count().desc(), hits.c.format_class)
                .limit(limit)
            ).all()
            items = [{"name": f, "display_name": f, "count": k} for f, k in rows]
        else:
            items = []
        out[field] = {"title": field, "items": items}
    return out


# -- organizations, groups, tags, resources ---------------------------------------------------


def _public_counts(session: Session, column) -> dict[Any, int]:
    return dict(
        session.execute(
            select(column, func.count())
            .where(visibility_clause(feed_visibility_public()), Resource.status == "published")
            .group_by(column)
        ).all()
    )


def organization_list(
    session: Session, *, all_fields: bool, limit: int | None, offset: int
) -> list:
    counts = _public_counts(session, Resource.provider_department_id)
    stmt = select(Department).order_by(Department.code).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    departments = session.scalars(stmt).all()
    if not all_fields:
        return [organization_name(d.code) for d in departments]
    return [organization_dict(d, counts.get(d.id, 0)) for d in departments]


def organization_show(
    session: Session, actor: Actor, config: dict, ref: str, *, include_datasets: bool
) -> dict[str, Any]:
    ids = _department_ids(session, [ref])
    department = session.get(Department, ids[ref]) if ref in ids else None
    if department is None:
        raise NotFound(f"组织“{ref}”不存在", code="not_found")
    stmt = _entries(feed_visibility(actor)).where(Resource.provider_department_id == department.id)
    return _with_packages(
        session, actor, config, organization_dict(department), stmt, include_datasets
    )


def group_list(session: Session, *, all_fields: bool) -> list:
    counts = _public_counts(session, func.substr(Resource.classification_code, 1, 3))
    codes = [g["code"] for g in groups()]
    if not all_fields:
        return codes
    return [group_dict(c, counts.get(c, 0)) for c in codes]


def group_show(
    session: Session, actor: Actor, config: dict, ref: str, *, include_datasets: bool
) -> dict[str, Any]:
    by_uuid = {group_dict(g["code"])["id"]: g["code"] for g in groups()}
    code = by_uuid.get(ref, ref)
    if _group_title(code or "") is None or len(code) != 3:
        raise NotFound(f"分组“{ref}”不存在", code="not_found")
    stmt = _entries(feed_visibility(actor)).where(Resource.classification_code.startswith(code))
    return _with_packages(session, actor, config, group_dict(code), stmt, include_datasets)


def tag_list(session: Session, *, query: str | None) -> list[str]:
    """The classification's names and the element names items of public entries match."""
    names = {name for g in groups() for name in (g["title"], g["category"])}
    names |= set(
        session.scalars(
            select(DataElement.name)
            .join(DataItem, DataItem.element_id == DataElement.id)
            .join(Resource, Resource.id == DataItem.resource_id)
            .where(
                visibility_clause(feed_visibility_public()),
                Resource.status == "published",
                DataItem.match_status.in_(("auto", "confirmed")),
            )
            .distinct()
        )
    )
    return sorted(n for n in names if not query or query in n)


def resource_show(session: Session, actor: Actor, config: dict, ref: str) -> dict[str, Any]:
    m = re.fullmatch(r"(?P<package>[a-z0-9_-]+)-api-(?P<interface>\d+)", ref or "")
    found = None
    if m:
        visibility = feed_visibility(actor, include_private=True)
        entry = session.scalar(_lookup(_entries(visibility), m["package"]))
        if entry is not None:
            interfaces = serving_interfaces(session, actor, [entry.id])[entry.id]
            for n, interface in enumerate(interfaces):
                if interface.id == int(m["interface"]):
                    found = resource_dict(
                        interface, entry, n, config["PUBLIC_BASE_URL"].rstrip("/")
                    )
    if found is None:
        raise NotFound(f"资源“{ref}”不存在", code="not_found")
    return found
