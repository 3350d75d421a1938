"""共享范围、程度 (Art. 9(3), Art. 15): how much is actually shared, computed from the
records (never typed in), for the 发改委's funding decisions and the 大数据中心.

The same figures per provider department, resource, system or project (``scope``), and
for the county: the catalog's share (published entries that are shareable, and served
through the platform); requests received, answered, answered on time, approved, and the
median answer time in working days; active grants and their consumers; what consumers
reported (reports, uses); corrections answered on time; calls observed on the platform.
``score`` weighs four ratios (``SHARING_SCORE_WEIGHTS``, *(local)*); a ratio with
nothing to count (no requests yet) counts as met, so nobody is marked down for not
having been asked.

Every figure is one grouped aggregate per table: the group key is the provider
department or the resource (both stored on every sharing record), or, for systems and
projects, the distinct (resource, system|project) pairs joined in, so a resource held by
two systems of one project counts once for that project. The county is the sum of the
departments (each resource has exactly one provider).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from catalog_schemas.codes import SHARE_NONE

from ..authz import Actor, require_login
from ..errors import Invalid
from ..models import (
    Correction,
    Department,
    Grant,
    InformationSystem,
    Interface,
    Project,
    Resource,
    ShareRequest,
    UsageObservation,
    UsageReport,
    interface_resources,
    project_departments,
    project_systems,
    resource_systems,
)

DEFAULT_WEIGHTS = {"via_platform": 0.4, "on_time": 0.3, "approved": 0.2, "corrections": 0.1}
SCOPES = ("department", "resource", "system", "project")
COUNTY = "全县（全部部门）"


@dataclass
class SharingScore:
    id: int | None  # the department, resource, system or project; None for the county
    name: str
    department_id: int | None = None  # the provider (a project's lead department)
    resources: int = 0
    shareable: int = 0
    via_platform: int = 0
    requests: int = 0
    answered: int = 0
    answered_on_time: int = 0
    approved: int = 0
    median_answer_days: float | None = None
    active_grants: int = 0
    consumers: int = 0
    usage_reports: int = 0
    reported_uses: int = 0
    observed_calls: int = 0  # the platform's call log, over the grants counted here
    corrections: int = 0
    corrections_on_time: int = 0
    ratios: dict[str, float] = field(default_factory=dict)
    score: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def catalog_figures(by: _Grouping) -> Select:
    """Per row of ``by``: published entries, how many are shareable, and how many of those
    are served through an interface connected to the exchange platform."""
    # A correlated lookup that stops at the first platform interface. As EXISTS inside a
    # CASE, PostgreSQL hashes every interface link of the catalog first (160 ms for a
    # county of a province); LIMIT 1 keeps it an index probe per resource (9 ms).
    served = (
        select(literal(1))
        .select_from(interface_resources)
        .join(Interface, Interface.id == interface_resources.c.interface_id)
        .where(interface_resources.c.resource_id == Resource.id, Interface.platform_connected)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    shareable = Resource.share_type != SHARE_NONE
    return by.grouped(
        Resource,
        Resource.id,
        Resource.provider_department_id,
        func.count(),
        func.sum(case((shareable, 1), else_=0)),
        func.sum(case((and_(shareable, served), 1), else_=0)),
    ).where(Resource.status == "published")


def platform_share(session: Session, *, region: str | None = None) -> list[SharingScore]:
    """Each department's catalog figures (published, shareable, served through the
    platform) with the same definitions as its sharing score, without the rest of it."""
    by = _Grouping("department", None, region)
    rows = {key: SharingScore(key, name, dept) for key, name, dept in session.execute(by.names())}
    for key, *values in session.execute(catalog_figures(by)):
        if key in rows:
            rows[key].resources, rows[key].shareable, rows[key].via_platform = (
                int(v or 0) for v in values
            )
    return list(rows.values())


def sharing_scores(
    session: Session,
    actor: Actor,
    *,
    scope: str = "department",
    department_id: int | None = None,
    region: str | None = None,
    weights: Mapping[str, float] | None = None,
) -> tuple[list[SharingScore], SharingScore]:
    """The rows of ``scope`` (only those of ``department_id`` when given: its resources
    and systems, the projects it leads or co-builds), best score first, and the total:
    the county's, or in a province's registry the ``region``'s (a county of it) when
    given, else the whole province's. Readable by anyone signed in: sharing is the
    county's public business."""
    require_login(actor)
    if scope not in SCOPES:
        raise Invalid(errors={"scope": [f"应为 {'、'.join(SCOPES)} 之一"]})
    weights = dict(weights or DEFAULT_WEIGHTS)
    rows, days = _figures(session, _Grouping(scope, department_id, region), weights)
    if scope != "department" or department_id is not None:
        departments, days = _figures(session, _Grouping("department", None, region), weights)
    else:
        departments = rows
    county = SharingScore(None, f"{region}（全部部门）" if region else COUNTY)
    for s in departments.values():
        for name in _SUMMED:
            setattr(county, name, getattr(county, name) + getattr(s, name))
    county.median_answer_days = _median([d for values in days.values() for d in values])
    _weigh(county, weights)
    return sorted(rows.values(), key=lambda s: (-s.score, s.name)), county


class _Grouping:
    """How the records of one scope are grouped, and which rows a department filter keeps."""

    def __init__(self, scope: str, department_id: int | None, region: str | None) -> None:
        self.scope, self.department_id = scope, department_id
        if department_id is not None:
            self.departments = select(Department.id).where(Department.id == department_id)
        elif region is not None:
            self.departments = select(Department.id).where(Department.region == region)
        else:
            self.departments = None
        if scope in ("system", "project"):
            if scope == "system":
                pairs = select(
                    resource_systems.c.resource_id, resource_systems.c.system_id.label("key")
                )
            else:
                pairs = (
                    select(
                        resource_systems.c.resource_id, project_systems.c.project_id.label("key")
                    )
                    .join(
                        project_systems,
                        project_systems.c.system_id == resource_systems.c.system_id,
                    )
                    .distinct()
                )
            self.pairs = pairs.subquery("scope_pairs")

    def names(self) -> Select:
        """(id, name, department_id) of every row of the scope the filter keeps."""
        depts = self.departments
        if self.scope == "department":
            stmt = select(Department.id, Department.name, Department.id.label("department_id"))
            return stmt if depts is None else stmt.where(Department.id.in_(depts))
        if self.scope == "resource":
            stmt = select(
                Resource.id, Resource.name, Resource.provider_department_id.label("department_id")
            ).where(Resource.status.in_(("published", "retired")))
            return stmt if depts is None else stmt.where(Resource.provider_department_id.in_(depts))
        if self.scope == "system":
            stmt = select(
                InformationSystem.id, InformationSystem.name, InformationSystem.department_id
            )
            return stmt if depts is None else stmt.where(InformationSystem.department_id.in_(depts))
        stmt = select(Project.id, Project.name, Project.lead_department_id.label("department_id"))
        if depts is None:
            return stmt
        co_built = select(project_departments.c.project_id).where(
            project_departments.c.department_id.in_(depts)
        )
        return stmt.where(Project.lead_department_id.in_(depts) | Project.id.in_(co_built))

    def grouped(self, source, resource_col, provider_col, *columns) -> Select:
        """``columns`` aggregated over ``source`` per row of the scope."""
        if self.scope == "department":
            key, stmt = provider_col, select(provider_col, *columns).select_from(source)
        elif self.scope == "resource":
            key, stmt = resource_col, select(resource_col, *columns).select_from(source)
        else:
            key = self.pairs.c.key
            stmt = (
                select(key, *columns)
                .select_from(source)
                .join(self.pairs, self.pairs.c.resource_id == resource_col)
            )
        if self.scope == "department" and self.departments is not None:
            stmt = stmt.where(key.in_(self.departments))
        elif self.departments is not None:
            stmt = stmt.where(key.in_(select(self.names().subquery().c.id)))
        return stmt.group_by(key)


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


def _figures(
    session: Session, by: _Grouping, weights: Mapping[str, float]
) -> tuple[dict[int, SharingScore], dict[int, list[int]]]:
    """Each row's figures and ratios, and its answer times (for the county's median)."""
    rows = {
        key: SharingScore(key, name, department_id)
        for key, name, department_id in session.execute(by.names())
    }
    days: dict[int, list[int]] = defaultdict(list)

    def each(stmt: Select):
        for key, *values in session.execute(stmt):
            if key in rows:  # rows the department filter keeps; no drafts
                yield rows[key], values

    for s, values in each(catalog_figures(by)):
        s.resources, s.shareable, s.via_platform = (int(v or 0) for v in values)

    answered = ShareRequest.status.in_(("approved", "refused"))
    requests = by.grouped(
        ShareRequest,
        ShareRequest.resource_id,
        ShareRequest.provider_department_id,
        func.count(),
        func.sum(case((answered, 1), else_=0)),
        func.sum(case((and_(answered, ~ShareRequest.answered_late), 1), else_=0)),
        func.sum(case((ShareRequest.status == "approved", 1), else_=0)),
    )
    for s, values in each(requests):
        s.requests, s.answered, s.answered_on_time, s.approved = (int(v or 0) for v in values)
    answer_times = by.grouped(
        ShareRequest,
        ShareRequest.resource_id,
        ShareRequest.provider_department_id,
        ShareRequest.answer_days,
        func.count(),
    ).where(ShareRequest.answer_days.is_not(None))
    for s, (answer_days, count) in each(answer_times.group_by(ShareRequest.answer_days)):
        days[s.id].extend([answer_days] * count)  # type: ignore[index]

    grants = by.grouped(
        Grant,
        Grant.resource_id,
        Grant.provider_department_id,
        func.count(),
        func.count(distinct(Grant.consumer_department_id)),
    ).where(Grant.status == "active")
    for s, (active, consumers) in each(grants):
        s.active_grants, s.consumers = active, consumers
    reports = by.grouped(
        UsageReport.__table__.join(Grant, Grant.id == UsageReport.grant_id),
        Grant.resource_id,
        Grant.provider_department_id,
        func.count(),
        func.coalesce(func.sum(UsageReport.uses), 0),
    )
    for s, (count, uses) in each(reports):
        s.usage_reports, s.reported_uses = count, int(uses)
    calls = by.grouped(
        UsageObservation.__table__.join(Grant, Grant.id == UsageObservation.grant_id),
        Grant.resource_id,
        Grant.provider_department_id,
        func.coalesce(func.sum(UsageObservation.calls), 0),
    )
    for s, (observed,) in each(calls):
        s.observed_calls = int(observed)
    corrections = by.grouped(
        Correction,
        Correction.resource_id,
        Correction.provider_department_id,
        func.count(),
        func.sum(
            case((and_(Correction.status == "answered", ~Correction.answered_late), 1), else_=0)
        ),
    )
    for s, (count, on_time) in each(corrections):
        s.corrections, s.corrections_on_time = count, int(on_time or 0)

    for key, s in rows.items():
        s.median_answer_days = _median(days.get(key, []))
        _weigh(s, weights)
    return rows, days


_SUMMED = (
    "resources",
    "shareable",
    "via_platform",
    "requests",
    "answered",
    "answered_on_time",
    "approved",
    "active_grants",
    "consumers",
    "usage_reports",
    "reported_uses",
    "observed_calls",
    "corrections",
    "corrections_on_time",
)


def _weigh(s: SharingScore, weights: Mapping[str, float]) -> None:
    def ratio(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 1.0

    s.ratios = {
        "via_platform": ratio(s.via_platform, s.resources),
        "on_time": ratio(s.answered_on_time, s.requests),
        "approved": ratio(s.approved, s.answered),
        "corrections": ratio(s.corrections_on_time, s.corrections),
    }
    total = sum(weights.values()) or 1.0
    s.score = round(100 * sum(weights[k] * s.ratios[k] for k in weights) / total, 1)
