"""Freshness (更新及时性): a published resource whose 更新周期 promises more than its last
update shows becomes a finding of kind ``stale_resource`` (每日 unchanged for 3 days,
每周 for 10, 每月 for 40, 每季度 for 100, 每年 for 400; *(local)*:
``FRESHNESS_DAYS``). The finding resolves itself once the resource is updated: each run
reconciles like an analysis run (same fingerprint found again, gone, or back).

The last update is the entry's ``updated_at``: a new version registered, or the
provider confirming the data was refreshed (saving the entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..authz import REVIEWER, Actor, require_role
from ..db import utcnow
from ..graph.findings import reconcile
from ..graph.model import FindingData
from ..models import AnalysisRun, Resource

KIND = "stale_resource"


def check_freshness(session: Session, actor: Actor, *, days: Mapping[str, int]) -> AnalysisRun:
    require_role(actor, REVIEWER)
    now = utcnow()
    run = AnalysisRun(scope_kind="all", scope_value=None, analyses=[KIND], actor_name=actor.name)
    session.add(run)
    session.flush()
    late = or_(
        *(
            (Resource.update_cycle == cycle) & (Resource.updated_at < now - timedelta(days=limit))
            for cycle, limit in days.items()
        )
    )
    rows = session.execute(
        select(
            Resource.id,
            Resource.name,
            Resource.provider_department_id,
            Resource.update_cycle,
            Resource.updated_at,
        ).where(Resource.status == "published", late)
    )
    found = [
        FindingData(
            kind=KIND,
            fingerprint=f"{KIND}:resource:{rid}",
            subject_type="resource",
            subject_id=rid,
            department_id=dept,
            title=f"{name}：更新周期为{cycle}，已 {(now - updated).days} 天未更新",
            evidence={
                "update_cycle": cycle,
                "last_updated_at": updated.isoformat(),
                "days_since_update": (now - updated).days,
                "allowed_days": days[cycle],
            },
        )
        for rid, name, dept, cycle, updated in rows
    ]
    changes = reconcile(session, actor, run, found, kinds=(KIND,), department_ids=None)
    run.summary, run.finished_at = {"found": {KIND: len(found)}, "findings": changes}, utcnow()
    session.flush()
    return run
