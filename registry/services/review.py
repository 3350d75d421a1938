"""The catalog workflow as people see it: a department's catalog by state (工作台) and
the 大数据中心's review queue (审核队列), each entry with its last step (who, when, why).

"已退回" is not a stored status: a returned entry is a draft whose last step was the
reviewer's ``reject``, and its reason is that step's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from ..authz import REVIEWER, Actor, require_department_reader, require_role
from ..errors import Invalid
from ..models import Department, Resource, ResourceVersion, User
from .resources import diff_snapshots, get_resource, resource_snapshot, transition_resource

STATES = ("draft", "returned", "submitted", "published", "retired")
STATE_LABELS = {
    "draft": "草稿",
    "returned": "已退回",
    "submitted": "待审核",
    "published": "已发布",
    "retired": "已下架",
}


@dataclass(frozen=True)
class Step:
    """The last step of an entry's history."""

    action: str
    reason: str | None
    at: datetime
    actor_name: str | None


@dataclass(frozen=True)
class Entry:
    resource: Resource
    state: str
    last: Step | None


def _last_step():
    return and_(
        ResourceVersion.resource_id == Resource.id, ResourceVersion.version == Resource.version
    )


def _state_column():
    returned = and_(Resource.status == "draft", ResourceVersion.action == "reject")
    return case((returned, "returned"), else_=Resource.status)


def _entries_query() -> Select:
    return (
        select(Resource, ResourceVersion, User.name)
        .outerjoin(ResourceVersion, _last_step())
        .outerjoin(User, User.id == ResourceVersion.actor_id)
        .options(selectinload(Resource.provider))
    )


def _entry(row: Any) -> Entry:
    resource, version, actor_name = row
    step = version and Step(version.action, version.reason, version.at, actor_name)
    returned = resource.status == "draft" and version is not None and version.action == "reject"
    return Entry(resource, "returned" if returned else resource.status, step)


def department_catalog(
    session: Session,
    actor: Actor,
    *,
    department_id: int,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Entry]:
    """A department's own catalog (its editors, the admin; the roles that read
    everything), newest change first; ``state_counts`` says how many there are."""
    require_department_reader(actor, department_id)
    stmt = _entries_query().where(Resource.provider_department_id == department_id)
    if state:
        stmt = stmt.where(_state_column() == state)
    rows = session.execute(
        stmt.order_by(Resource.updated_at.desc(), Resource.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_entry(r) for r in rows]


def state_counts(session: Session, actor: Actor, *, department_id: int) -> dict[str, int]:
    require_department_reader(actor, department_id)
    state = _state_column()
    rows = session.execute(
        select(state, func.count())
        .select_from(Resource)
        .outerjoin(ResourceVersion, _last_step())
        .where(Resource.provider_department_id == department_id)
        .group_by(state)
    ).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({s: n for s, n in rows})
    return counts


def review_queue(
    session: Session,
    actor: Actor,
    *,
    department_id: int | None = None,
    classification: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Entry], int]:
    """Entries waiting for review, the longest-waiting first: a submitted entry is frozen
    until it is decided, so its ``updated_at`` is its submission (and the index orders
    the queue without reading every waiting entry's history)."""
    require_role(actor, REVIEWER)
    stmt = _entries_query().where(Resource.status == "submitted")
    if department_id is not None:
        stmt = stmt.where(Resource.provider_department_id == department_id)
    if classification:
        upper = classification[:-1] + chr(ord(classification[-1]) + 1)
        stmt = stmt.where(
            Resource.classification_code >= classification, Resource.classification_code < upper
        )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(
        stmt.order_by(Resource.updated_at, Resource.id).limit(limit).offset(offset)
    ).all()
    return [_entry(r) for r in rows], total or 0


def queue_departments(
    session: Session, actor: Actor, *, limit: int = 12
) -> list[tuple[Department, int]]:
    """The departments with most entries waiting, and how many: the queue's quick filter.
    Counted over the waiting entries first (the status index), then named: a province
    has thousands of departments, and the page lists only the busiest."""
    require_role(actor, REVIEWER)
    busiest = session.execute(
        select(Resource.provider_department_id, func.count())
        .where(Resource.status == "submitted")
        .group_by(Resource.provider_department_id)
        .order_by(func.count().desc(), Resource.provider_department_id)
        .limit(limit)
    ).all()
    names = {
        d.id: d
        for d in session.scalars(
            select(Department).where(Department.id.in_([d for d, _ in busiest]))
        )
    }
    return [(names[d], n) for d, n in busiest]


def find_departments(session: Session, text: str, *, limit: int = 20) -> list[Department]:
    """Departments whose name contains ``text`` (the queue's department search)."""
    return list(
        session.scalars(
            select(Department)
            .where(Department.name.contains(text, autoescape=True))
            .order_by(Department.name)
            .limit(limit)
        )
    )


def changes_since_published(session: Session, actor: Actor, resource_id: int) -> dict[str, Any]:
    """What a reviewer decides on: the entry against its last published version (all of
    it, for an entry never published)."""
    require_role(actor, REVIEWER)
    resource = get_resource(session, actor, resource_id)
    published = session.scalar(
        select(ResourceVersion.snapshot)
        .where(ResourceVersion.resource_id == resource_id, ResourceVersion.status == "published")
        .order_by(ResourceVersion.version.desc())
        .limit(1)
    )
    return {
        "first_publication": published is None,
        "diff": diff_snapshots(published, resource_snapshot(resource)),
    }


def transition_many(
    session: Session,
    actor: Actor,
    *,
    versions: dict[int, int],
    action: str,
    reason: str | None,
) -> list[Resource]:
    """Publish, return or retire several entries at once: each as the single transition
    (same rules, history, audit), all in the caller's transaction: all or none."""
    if action != "retire":  # retiring is also the provider's; deciding is the reviewer's
        require_role(actor, REVIEWER)
    if action not in ("publish", "reject", "retire"):
        raise Invalid("请选择审核结论", errors={"action": ["请选择审核结论"]})
    if not versions:
        raise Invalid("请至少勾选一项", errors={"ids": ["请至少勾选一项"]})
    return [
        transition_resource(
            session, actor, rid, action=action, reason=reason, expected_version=version
        )
        for rid, version in versions.items()
    ]
