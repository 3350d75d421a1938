"""信息资源: catalog entries, their data items, workflow and version history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, insert, or_, select, true
from sqlalchemy.orm import Session, selectinload

from catalog_schemas import catalog_entry_errors, format_resource_code
from catalog_schemas.catalog import OPEN_NONE, normalise_catalog_entry

from .. import audit
from ..authz import (
    REVIEWER,
    Actor,
    Visibility,
    may_retire,
    require_department_editor,
    require_role,
    resource_visibility,
)
from ..db import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..models import (
    CodeSequence,
    DataItem,
    Department,
    InformationSystem,
    Resource,
    ResourceVersion,
    resource_systems,
)
from ..search import outbox as search_outbox
from ._records import check_version, get_record, next_counter, resolve_ids, where_equal
from .departments import department_by_code

CATALOG_FIELDS = (
    "classification_code",
    "name",
    "summary",
    "format_class",
    "format_detail",
    "share_type",
    "share_condition",
    "share_method_class",
    "share_method_platform",
    "open_type",
    "open_condition",
    "update_cycle",
    "publish_date",
    "related_codes",
)
ITEM_FIELDS = (
    "name",
    "data_type",
    "length",
    "description",
    "collection_mode",
    "share_type",
    "open_type",
    "element_identifier",
)
EDITABLE_STATUSES = ("draft", "published")

# status transitions: action → (from, to, who, reason required)
TRANSITIONS = {
    "submit": ("draft", "submitted", "provider", False),
    "publish": ("submitted", "published", "reviewer", False),
    "reject": ("submitted", "draft", "reviewer", True),
    "retire": ("published", "retired", "provider_or_reviewer", True),
}


# -- codes ---------------------------------------------------------------------------------


def allocate_code(session: Session, classification_code: str) -> str:
    """Next 信息资源代码 for a 分类码: unique and never reused, safe under concurrency."""
    return _allocate_codes(session, [classification_code])[0]


# -- snapshots and diffs -------------------------------------------------------------------


def item_snapshot(item: DataItem) -> dict[str, Any]:
    return {f: getattr(item, f) for f in ITEM_FIELDS}


def resource_snapshot(resource: Resource) -> dict[str, Any]:
    data = {f: getattr(resource, f) for f in CATALOG_FIELDS}
    data["publish_date"] = resource.publish_date.isoformat() if resource.publish_date else None
    data.update(
        code=resource.code,
        status=resource.status,
        provider_department_id=resource.provider_department_id,
        system_ids=sorted(s.id for s in resource.systems),
        items=[item_snapshot(i) for i in resource.items],
    )
    return data


def diff_snapshots(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Field-level diff; items are matched by name (unique within a resource)."""
    old = old or {}
    fields = {
        k: {"old": old.get(k), "new": v} for k, v in new.items() if k != "items" and old.get(k) != v
    }
    old_items = {i["name"]: i for i in old.get("items", [])}
    new_items = {i["name"]: i for i in new.get("items", [])}
    changed = {}
    for name in old_items.keys() & new_items.keys():
        d = {
            k: {"old": old_items[name].get(k), "new": v}
            for k, v in new_items[name].items()
            if old_items[name].get(k) != v
        }
        if d:
            changed[name] = d
    items = {
        "added": [n for n in new_items if n not in old_items],
        "removed": [n for n in old_items if n not in new_items],
        "changed": changed,
    }
    return {"fields": fields, "items": items}


def _record_version(
    session: Session,
    actor: Actor,
    resource: Resource,
    action: str,
    reason: str | None,
    before: dict | None,
    cause: str | None = None,
) -> None:
    after = resource_snapshot(resource)
    session.add(
        ResourceVersion(
            resource_id=resource.id,
            version=resource.version,
            action=action,
            status=resource.status,
            actor_id=actor.user_id,
            reason=reason,
            snapshot=after,
        )
    )
    audit.record(
        session,
        actor,
        f"resource.{action}",
        "resource",
        resource.id,
        before=before,
        after=after,
        cause=cause or reason,
    )


# -- items -----------------------------------------------------------------------------------


def item_errors(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Item names are unique within a resource (diffs and imports match items by name)."""
    seen: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        if item["name"] in seen:
            errors[f"items.{index}.name"] = [f"信息项名称与第 {seen[item['name']] + 1} 项重复"]
        seen.setdefault(item["name"], index)
    return errors


def _item_row(item: dict[str, Any]) -> dict[str, Any]:
    return {f: item.get(f, "collected" if f == "collection_mode" else None) for f in ITEM_FIELDS}


def _set_items(resource: Resource, items: list[dict[str, Any]]) -> None:
    if errors := item_errors(items):
        raise Invalid(errors=errors)
    resource.items = [DataItem(position=i, **_item_row(item)) for i, item in enumerate(items)]
    resource.item_count = len(resource.items)


# -- create ----------------------------------------------------------------------------------


@dataclass
class NewResource:
    """One catalog entry to create: ``data`` as ResourceSchema loads it (catalog fields and
    ``items``), its provider and its producing systems (already checked to be the
    provider's)."""

    data: dict[str, Any]
    provider_id: int
    system_ids: list[int] = field(default_factory=list)


def new_resource_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Every rule a new entry must meet beyond its schema, for every door alike (API,
    import, pages): the standard's conditional rules with absent items counted as none
    (数据库 and 电子表格 need items), and item names unique."""
    items = data.get("items") or []
    return {**catalog_entry_errors({**data, "items": items}), **item_errors(items)}


def create_resource(
    session: Session, actor: Actor, *, data: dict[str, Any], cause: str | None = None
) -> Resource:
    data = dict(data)
    provider = (
        department_by_code(session, data.pop("provider_code"))
        if data.get("provider_code")
        else get_record(
            session, Department, actor.department_id or 0, label="提供方部门", field="provider_code"
        )
    )
    require_department_editor(actor, provider.id)
    systems = _systems(session, data.pop("system_ids", []), provider.id)
    (resource_id,) = create_resources(
        session, actor, [NewResource(data, provider.id, [s.id for s in systems])], cause=cause
    )
    return get_record(session, Resource, resource_id, label="信息资源")


def create_resources(
    session: Session, actor: Actor, entries: list[NewResource], *, cause: str | None = None
) -> list[int]:
    """The one way a catalog entry comes into being, one or twenty thousand at a time:
    the rules checked, 信息资源代码 allocated in blocks per 分类码, rows, items and
    system links written with Core multi-row inserts, a first version and an audit
    event per entry, and the search outbox told. Returns the new ids in order."""
    for index, entry in enumerate(entries):
        require_department_editor(actor, entry.provider_id)
        if errors := new_resource_errors(entry.data):
            prefix = f"{index}." if len(entries) > 1 else ""
            raise Invalid(errors={prefix + k: v for k, v in errors.items()})
    if not entries:
        return []
    codes = _allocate_codes(session, [e.data["classification_code"] for e in entries])
    ids: list[int] = []
    # In chunks: rows, items, versions and audit events of 500 entries at a time, so a
    # 400,000-item workbook never holds its whole insert set in memory at once.
    for start in range(0, len(entries), CREATE_CHUNK):
        ids += _insert_chunk(
            session,
            actor,
            entries[start : start + CREATE_CHUNK],
            codes[start : start + CREATE_CHUNK],
            cause,
        )
    # Core inserts bypass the ORM's flush events: queue the new documents here.
    search_outbox.enqueue(session, ids)
    return ids


CREATE_CHUNK = 500


def _insert_chunk(
    session: Session, actor: Actor, entries: list[NewResource], codes: list[str], cause: str | None
) -> list[int]:
    now = utcnow()
    rows = [
        {
            **{f: e.data.get(f) for f in CATALOG_FIELDS},
            "related_codes": e.data.get("related_codes") or [],
            "code": code,
            "provider_department_id": e.provider_id,
            "status": "draft",
            "item_count": len(e.data.get("items") or []),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for e, code in zip(entries, codes, strict=True)
    ]
    table = Resource.__table__
    # Core, not the unit of work: the rows are complete, and 20,000 ORM objects cost minutes.
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    ids = list(result.scalars().all())
    items, links, versions, events = [], [], [], []
    for rid, entry, row in zip(ids, entries, rows, strict=True):
        its = [_item_row(it) for it in entry.data.get("items") or []]
        items.extend({"resource_id": rid, "position": n, **it} for n, it in enumerate(its))
        links.extend({"resource_id": rid, "system_id": s} for s in entry.system_ids)
        snap = {f: row[f] for f in CATALOG_FIELDS}
        snap["publish_date"] = row["publish_date"].isoformat() if row["publish_date"] else None
        snap.update(
            code=row["code"],
            status="draft",
            provider_department_id=entry.provider_id,
            system_ids=sorted(entry.system_ids),
            items=its,
        )
        versions.append(
            {
                "resource_id": rid,
                "version": 1,
                "action": "create",
                "status": "draft",
                "actor_id": actor.user_id,
                "reason": None,
                "snapshot": snap,
                "at": now,
            }
        )
        events.append(
            {
                "action": "resource.create",
                "subject_type": "resource",
                "subject_id": rid,
                "after": snap,
                "cause": cause,
            }
        )
    for target, batch in (
        (DataItem.__table__, items),
        (resource_systems, links),
        (ResourceVersion.__table__, versions),
    ):
        if batch:
            session.execute(insert(target), batch)
    audit.record_many(session, actor, events)
    return ids


def _allocate_codes(session: Session, classification_codes: list[str]) -> list[str]:
    """信息资源代码 for each entry: one counter step per 分类码, in the entries' order.

    The chain lock is taken first so every writer acquires locks in the same order
    (chain, then sequence rows) and two writers cannot deadlock.
    """
    audit.lock_chain(session)
    wanted: dict[str, int] = defaultdict(int)
    for cls in classification_codes:
        wanted[cls] += 1
    next_number = {
        cls: next_counter(session, CodeSequence, "prefix", cls, by=n) - n + 1
        for cls, n in wanted.items()
    }
    codes = []
    for cls in classification_codes:
        codes.append(format_resource_code(cls, next_number[cls]))
        next_number[cls] += 1
    return codes


def _systems(session: Session, ids: list[int], provider_id: int) -> list[InformationSystem]:
    systems = resolve_ids(session, InformationSystem, ids, field="system_ids", label="信息系统")
    foreign = [s.code for s in systems if s.department_id != provider_id]
    if foreign:
        raise Invalid(
            errors={"system_ids": ["产生资源的系统须属于提供方部门：" + "、".join(foreign)]}
        )
    return systems


def update_resource(
    session: Session,
    actor: Actor,
    resource_id: int,
    *,
    changes: dict[str, Any],
    expected_version: int | None,
    cause: str | None = None,
) -> Resource:
    """Patch semantics: omitted fields keep their value; ``items``, when given, replaces the list.

    Published entries may be edited (each change is a new version with its diff, for
    the reviewer to see); a submitted entry is frozen under review and a retired one
    is history.
    """
    resource = get_record(session, Resource, resource_id, label="信息资源")
    require_department_editor(actor, resource.provider_department_id)
    check_version(resource, expected_version)
    if resource.status not in EDITABLE_STATUSES:
        raise Conflict(f"状态为“{resource.status}”的资源不能修改", code="not_editable")
    changes = dict(changes)
    if changes.pop("provider_code", resource.provider.code) != resource.provider.code:
        raise Conflict("信息资源提供方不能修改；请由新提供方重新登记", code="provider_immutable")
    before = resource_snapshot(resource)
    merged = {**{f: getattr(resource, f) for f in CATALOG_FIELDS}, **changes}
    merged = normalise_catalog_entry(merged)
    if "items" not in merged:
        merged["items"] = [item_snapshot(i) for i in resource.items]
    if errors := catalog_entry_errors(merged):
        raise Invalid(errors=errors)
    if (
        "classification_code" in changes
        and changes["classification_code"] != resource.classification_code
    ):
        if resource.status != "draft":
            raise Conflict("已发布资源的分类不能修改", code="classification_immutable")
        resource.code = allocate_code(session, changes["classification_code"])
    if "system_ids" in changes:
        resource.systems = _systems(session, changes["system_ids"], resource.provider_department_id)
    if "items" in changes:
        _set_items(resource, changes["items"])
    for key in CATALOG_FIELDS:
        if key in merged:
            setattr(resource, key, merged[key])
    resource.updated_at = utcnow()
    session.flush()
    _record_version(session, actor, resource, "update", None, before, cause)
    return resource


def replace_items(
    session: Session,
    actor: Actor,
    resource_id: int,
    *,
    items: list[dict[str, Any]],
    expected_version: int | None,
) -> Resource:
    return update_resource(
        session, actor, resource_id, changes={"items": items}, expected_version=expected_version
    )


def add_item(
    session: Session,
    actor: Actor,
    resource_id: int,
    *,
    item: dict[str, Any],
    expected_version: int | None,
) -> Resource:
    resource = get_record(session, Resource, resource_id, label="信息资源")
    items = [item_snapshot(i) for i in resource.items] + [item]
    return update_resource(
        session, actor, resource_id, changes={"items": items}, expected_version=expected_version
    )


# -- workflow --------------------------------------------------------------------------------


def transition_resource(
    session: Session,
    actor: Actor,
    resource_id: int,
    *,
    action: str,
    reason: str | None,
    expected_version: int | None,
) -> Resource:
    """submit / publish / reject / retire, each with who and why in the history."""
    source, target, who, needs_reason = TRANSITIONS[action]
    resource = get_record(session, Resource, resource_id, label="信息资源")
    if who == "provider":
        require_department_editor(actor, resource.provider_department_id)
    elif who == "reviewer":
        require_role(actor, REVIEWER)
    elif not may_retire(actor, resource.provider_department_id):
        require_department_editor(actor, resource.provider_department_id)  # says why not
    check_version(resource, expected_version)
    if resource.status != source:
        raise Conflict(
            f"当前状态为“{resource.status}”，不能执行“{action}”", code="invalid_transition"
        )
    if needs_reason and not (reason or "").strip():
        raise Invalid(errors={"reason": ["须说明原因"]})
    if action == "submit":
        _check_complete(resource)
    before = resource_snapshot(resource)
    resource.status = target
    resource.updated_at = utcnow()
    session.flush()
    _record_version(session, actor, resource, action, reason, before)
    return resource


def _check_complete(resource: Resource) -> None:
    data = {f: getattr(resource, f) for f in CATALOG_FIELDS}
    data["items"] = [item_snapshot(i) for i in resource.items]
    if errors := catalog_entry_errors(data):
        raise Invalid("资源目录信息不完整，不能提交审核", errors=errors)


# -- reading ---------------------------------------------------------------------------------


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """Which catalog entries an actor may read: ``authz.resource_visibility`` as SQL."""
    return visibility_clause(resource_visibility(actor))


def visibility_clause(v: Visibility) -> ColumnElement[bool]:
    """A ``Visibility`` as SQL."""
    clause = true()
    if v.published_only:
        clause = Resource.status == "published"
    if v.public_only:
        clause = clause & (Resource.open_type != OPEN_NONE)
    if v.own_department_ids:
        clause = or_(clause, Resource.provider_department_id.in_(v.own_department_ids))
    return clause


def get_resource(session: Session, actor: Actor, resource_id: int) -> Resource:
    resource = session.scalar(
        select(Resource)
        .where(Resource.id == resource_id, visible_clause(actor))
        .options(selectinload(Resource.provider), selectinload(Resource.systems))
    )
    if resource is None:
        # Invisible and missing look alike, so drafts do not leak through probing.
        raise NotFound(f"信息资源（ID {resource_id}）不存在")
    return resource


SORTABLE = {"id", "name", "code", "updated_at", "publish_date"}


def list_resources(
    actor: Actor,
    *,
    department_id: int | None = None,
    status: str | None = None,
    share_type: str | None = None,
    classification: str | None = None,
    update_cycle: str | None = None,
    format_class: str | None = None,
    system_id: int | None = None,
    q: str | None = None,
) -> Select:
    stmt = (
        select(Resource)
        .where(visible_clause(actor))
        .options(selectinload(Resource.provider), selectinload(Resource.systems))
    )
    stmt = where_equal(
        stmt,
        (Resource.provider_department_id, department_id),
        (Resource.status, status),
        (Resource.share_type, share_type),
        (Resource.update_cycle, update_cycle),
        (Resource.format_class, format_class),
    )
    if classification:
        # A range, not LIKE 'x%', so both databases can use the classification index.
        upper = classification[:-1] + chr(ord(classification[-1]) + 1)
        stmt = stmt.where(
            Resource.classification_code >= classification, Resource.classification_code < upper
        )
    if system_id is not None:
        stmt = stmt.where(
            Resource.id.in_(
                select(resource_systems.c.resource_id).where(
                    resource_systems.c.system_id == system_id
                )
            )
        )
    if q:
        stmt = stmt.where(Resource.name.contains(q, autoescape=True))
    return stmt


def resource_versions(session: Session, actor: Actor, resource_id: int) -> list[dict[str, Any]]:
    get_resource(session, actor, resource_id)
    rows = session.scalars(
        select(ResourceVersion)
        .where(ResourceVersion.resource_id == resource_id)
        .order_by(ResourceVersion.version)
    ).all()
    out, previous = [], None
    for row in rows:
        out.append(
            {
                "version": row.version,
                "action": row.action,
                "status": row.status,
                "actor_id": row.actor_id,
                "reason": row.reason,
                "at": row.at,
                "diff": diff_snapshots(previous, row.snapshot),
            }
        )
        previous = row.snapshot
    return out
