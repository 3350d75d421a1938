"""共享范围、程度 (Art. 9(3), Art. 15): how much each department actually shares, computed
from the records (never typed in), for the 发改委's funding decisions and the 大数据中心.

Per department (as provider) and for the county: the catalog's share (published entries
that are shareable, and served through the platform); requests received, answered,
answered on time, approved, and the median answer time in working days; active grants
and their consumers; what consumers reported (reports, uses); corrections answered on
time; calls observed on the platform. ``score`` weighs four ratios
(``SHARING_SCORE_WEIGHTS``, *(local)*); a ratio with nothing to count (no requests
yet) counts as met, so a department is not marked down for not having been asked.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import Session

from catalog_schemas.codes import SHARE_NONE

from ..authz import Actor, require_login
from ..models import (
    Correction,
    Department,
    Grant,
    Interface,
    Resource,
    ShareRequest,
    UsageObservation,
    UsageReport,
    interface_resources,
)

DEFAULT_WEIGHTS = {"via_platform": 0.4, "on_time": 0.3, "approved": 0.2, "corrections": 0.1}


@dataclass
class SharingScore:
    department_id: int | None
    name: str
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
    observed_calls: int = 0  # the platform's call log, over this department's grants
    corrections: int = 0
    corrections_on_time: int = 0
    ratios: dict[str, float] = field(default_factory=dict)
    score: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sharing_scores(
    session: Session, actor: Actor, *, weights: Mapping[str, float] | None = None
) -> tuple[list[SharingScore], SharingScore]:
    """Every department's figures, and the county's (their sum; the median over all
    answers). Readable by anyone signed in: sharing is the county's public business."""
    require_login(actor)
    weights = dict(weights or DEFAULT_WEIGHTS)
    names = dict(session.execute(select(Department.id, Department.name)).all())
    rows: dict[int, SharingScore] = {d: SharingScore(d, n) for d, n in names.items()}
    days: dict[int, list[int]] = defaultdict(list)
    for dept, *values in _resource_counts(session):
        rows[dept].resources, rows[dept].shareable, rows[dept].via_platform = values
    for dept, *values in _request_counts(session):
        s = rows[dept]
        s.requests, s.answered, s.answered_on_time, s.approved = (int(v or 0) for v in values)
    for dept, answer_days in session.execute(
        select(ShareRequest.provider_department_id, ShareRequest.answer_days).where(
            ShareRequest.answer_days.is_not(None)
        )
    ):
        days[dept].append(answer_days)
    for dept, grants, consumers in session.execute(
        select(
            Grant.provider_department_id,
            func.count(),
            func.count(distinct(Grant.consumer_department_id)),
        )
        .where(Grant.status == "active")
        .group_by(Grant.provider_department_id)
    ):
        rows[dept].active_grants, rows[dept].consumers = grants, consumers
    for dept, reports, uses in session.execute(
        select(
            Grant.provider_department_id, func.count(), func.coalesce(func.sum(UsageReport.uses), 0)
        )
        .join(Grant, Grant.id == UsageReport.grant_id)
        .group_by(Grant.provider_department_id)
    ):
        rows[dept].usage_reports, rows[dept].reported_uses = reports, int(uses)
    for dept, calls in session.execute(
        select(Grant.provider_department_id, func.coalesce(func.sum(UsageObservation.calls), 0))
        .join(Grant, Grant.id == UsageObservation.grant_id)
        .group_by(Grant.provider_department_id)
    ):
        rows[dept].observed_calls = int(calls)
    for dept, total, on_time in session.execute(
        select(
            Correction.provider_department_id,
            func.count(),
            func.sum(
                case((and_(Correction.status == "answered", ~Correction.answered_late), 1), else_=0)
            ),
        ).group_by(Correction.provider_department_id)
    ):
        rows[dept].corrections, rows[dept].corrections_on_time = total, int(on_time or 0)
    county = SharingScore(None, "全县（全部部门）")
    for dept, s in rows.items():
        s.median_answer_days = statistics.median(days[dept]) if days[dept] else None
        _weigh(s, weights)
        for name in _SUMMED:
            setattr(county, name, getattr(county, name) + getattr(s, name))
    all_days = [d for values in days.values() for d in values]
    county.median_answer_days = statistics.median(all_days) if all_days else None
    _weigh(county, weights)
    ordered = sorted(rows.values(), key=lambda s: (-s.score, s.name))
    return ordered, county


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


def _resource_counts(session: Session):
    served = exists(
        select(interface_resources.c.resource_id)
        .join(Interface, Interface.id == interface_resources.c.interface_id)
        .where(interface_resources.c.resource_id == Resource.id, Interface.platform_connected)
    )
    shareable = Resource.share_type != SHARE_NONE
    return session.execute(
        select(
            Resource.provider_department_id,
            func.count(),
            func.sum(case((shareable, 1), else_=0)),
            func.sum(case((and_(shareable, served), 1), else_=0)),
        )
        .where(Resource.status == "published")
        .group_by(Resource.provider_department_id)
    ).all()


def _request_counts(session: Session):
    answered = ShareRequest.status.in_(("approved", "refused"))
    return session.execute(
        select(
            ShareRequest.provider_department_id,
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((and_(answered, ~ShareRequest.answered_late), 1), else_=0)),
            func.sum(case((ShareRequest.status == "approved", 1), else_=0)),
        ).group_by(ShareRequest.provider_department_id)
    ).all()
