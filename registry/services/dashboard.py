"""大数据中心 的首页: the registry's state in figures, each a grouped count over an index.

Resources by status, how long the review queue has waited, findings still to rectify by
kind and by department, the share of each department's catalog served through the
exchange platform (the sharing score's definition), projects per stage and how many
Art. 17 holds. In a province's registry ``region`` narrows it to one county.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from catalog_schemas.codes import PROJECT_STAGES, RESOURCE_STATUSES

from ..authz import Actor, require_login
from ..db import utcnow
from ..models import (
    ACTIVE_STATUSES,
    ART17_KINDS,
    Department,
    Finding,
    Project,
    Resource,
    project_departments,
)
from .scores import platform_share

# Review queue age buckets: (label, older than, not older than); the last is open-ended.
QUEUE_AGES = (
    ("1 天内", timedelta(0), timedelta(days=1)),
    ("1–3 天", timedelta(days=1), timedelta(days=3)),
    ("3–7 天", timedelta(days=3), timedelta(days=7)),
    ("7 天以上", timedelta(days=7), None),
)
TOP_DEPARTMENTS = 15


@dataclass
class Dashboard:
    region: str | None
    resources_by_status: dict[str, int]
    queue_by_age: list[tuple[str, int]]
    oldest_waiting: datetime | None
    findings_by_kind: list[tuple[str, int]]
    findings_by_department: list[tuple[int, str, int]]
    platform_share: list[tuple[int, str, int, int]]  # id, name, served, published
    projects_by_stage: dict[str, int]
    projects_held: dict[str, int]


def dashboard(session: Session, actor: Actor, *, region: str | None = None) -> Dashboard:
    require_login(actor)
    in_region = (
        select(Department.id).where(Department.region == region) if region is not None else None
    )

    def scoped(stmt: Select, column) -> Select:
        return stmt if in_region is None else stmt.where(column.in_(in_region))

    def counted(keys: tuple[str, ...], column, department_column) -> dict[str, int]:
        """Every key with its count, zero included, in the region."""
        stmt = scoped(select(column, func.count()).group_by(column), department_column)
        return dict.fromkeys(keys, 0) | dict(session.execute(stmt).all())

    by_status = counted(RESOURCE_STATUSES, Resource.status, Resource.provider_department_id)

    now = utcnow()
    # A submitted entry is frozen until decided: its updated_at is its submission.
    bucket = case(
        *[
            (Resource.updated_at > now - upper, label)
            for label, _lower, upper in QUEUE_AGES
            if upper is not None
        ],
        else_=QUEUE_AGES[-1][0],
    )
    queue = dict(
        session.execute(
            scoped(
                select(bucket, func.count()).where(Resource.status == "submitted").group_by(bucket),
                Resource.provider_department_id,
            )
        ).all()
    )
    oldest = session.scalar(
        scoped(
            select(func.min(Resource.updated_at)).where(Resource.status == "submitted"),
            Resource.provider_department_id,
        )
    )

    active = Finding.status.in_(ACTIVE_STATUSES)
    by_kind = session.execute(
        scoped(
            select(Finding.kind, func.count()).where(active).group_by(Finding.kind),
            Finding.department_id,
        ).order_by(func.count().desc())
    ).all()
    by_department = session.execute(
        scoped(
            select(Department.id, Department.name, func.count())
            .join(Finding, Finding.department_id == Department.id)
            .where(active)
            .group_by(Department.id, Department.name),
            Department.id,
        )
        .order_by(func.count().desc(), Department.name)
        .limit(TOP_DEPARTMENTS)
    ).all()

    shares = [
        (s.id, s.name, s.via_platform, s.resources)
        for s in platform_share(session, region=region)
        if s.resources
    ]
    shares.sort(key=lambda r: (r[2] / r[3], -r[3], r[1]))  # the least served first

    stages = counted(PROJECT_STAGES, Project.stage, Project.lead_department_id)
    held_departments = select(Finding.department_id).where(Finding.kind.in_(ART17_KINDS), active)
    co_built_held = select(project_departments.c.project_id).where(
        project_departments.c.department_id.in_(held_departments)
    )
    held = dict(
        session.execute(
            scoped(
                select(Project.stage, func.count())
                .where(
                    Project.stage != "accepted",
                    Project.lead_department_id.in_(held_departments)
                    | Project.id.in_(co_built_held),
                )
                .group_by(Project.stage),
                Project.lead_department_id,
            )
        ).all()
    )
    return Dashboard(
        region=region,
        resources_by_status=by_status,
        queue_by_age=[(label, queue.get(label, 0)) for label, _l, _u in QUEUE_AGES],
        oldest_waiting=oldest,
        findings_by_kind=[(k, n) for k, n in by_kind],
        findings_by_department=[(i, name, n) for i, name, n in by_department],
        platform_share=shares,
        projects_by_stage=stages,
        projects_held=held,
    )
