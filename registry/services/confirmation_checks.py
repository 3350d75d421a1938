"""The named checks of the confirmation gate (Art. 15), each pass / fail / not applicable
with evidence, and the catalog state (every resource, item and interface the project
covers, with versions) that a confirmation's digest seals."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..audit import canonical_json, sm3_hex
from ..db import utcnow
from ..models import (
    Finding,
    InformationSystem,
    Interface,
    Project,
    Resource,
    ShareRequest,
    interface_resources,
    project_systems,
)
from ._records import snapshot
from .findings import open_findings, overlap_findings
from .resources import resource_snapshot

SHAREABLE = ("无条件共享", "有条件共享")
# Art. 9(3): data meant for general sharing may not be opened only to particular companies.
_EXCLUSIVE = re.compile(r"(仅|只|专门|独家|专供)[^，。；,;]{0,16}(公司|企业|集团|有限|机构|单位)")


@dataclass
class Check:
    name: str
    title: str
    status: str  # pass | fail | not_applicable
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Coverage:
    project: Project
    systems: list[InformationSystem]
    resources: list[Resource]
    interfaces: list[Interface]
    served_by: dict[int, list[Interface]]


def load_coverage(session: Session, project: Project) -> Coverage:
    system_ids = select(project_systems.c.system_id).where(
        project_systems.c.project_id == project.id
    )
    systems = list(
        session.scalars(
            select(InformationSystem)
            .where(InformationSystem.id.in_(system_ids))
            .order_by(InformationSystem.id)
        )
    )
    resources = list(
        session.scalars(
            select(Resource)
            .where(
                Resource.status != "retired",
                Resource.systems.any(InformationSystem.id.in_(system_ids)),
            )
            .options(
                selectinload(Resource.items),
                selectinload(Resource.systems),
                selectinload(Resource.provider),
            )
            .order_by(Resource.id)
        )
    )
    links = session.execute(
        select(interface_resources.c.resource_id, interface_resources.c.interface_id).where(
            interface_resources.c.resource_id.in_([r.id for r in resources])
        )
    ).all()
    interfaces = {
        i.id: i
        for i in session.scalars(select(Interface).where(Interface.id.in_({i for _, i in links})))
    }
    served_by: dict[int, list[Interface]] = {}
    for rid, iid in links:
        served_by.setdefault(rid, []).append(interfaces[iid])
    return Coverage(
        project, systems, resources, sorted(interfaces.values(), key=lambda i: i.id), served_by
    )


def catalog_state(cov: Coverage) -> tuple[list[dict], str]:
    """Each covered resource (with its items) and interface: id, code, version, SM3 digest."""
    state = [
        {
            "type": "resource",
            "id": r.id,
            "code": r.code,
            "version": r.version,
            "digest": sm3_hex(canonical_json(resource_snapshot(r))),
        }
        for r in cov.resources
    ]
    state += [
        {
            "type": "interface",
            "id": i.id,
            "code": i.name,
            "version": i.version,
            "digest": sm3_hex(canonical_json(snapshot(i))),
        }
        for i in cov.interfaces
    ]
    return state, sm3_hex(canonical_json(state))


def _ref(r: Resource) -> dict:
    return {"id": r.id, "code": r.code, "name": r.name}


def evaluate(session: Session, cov: Coverage, *, today: date | None = None) -> list[Check]:
    """``today``: the county's date, for deadlines (UTC's when not given)."""
    p, systems, resources = cov.project, cov.systems, cov.resources
    checks = []

    missing = [
        {"id": s.id, "code": s.code, "name": s.name} for s in systems if not s.in_system_catalog
    ]
    checks.append(
        Check(
            "systems_in_system_catalog",
            "项目涉及的系统均已纳入县级政务信息系统目录",
            "fail" if missing or not systems else "pass",
            {
                "systems": len(systems),
                "missing": missing,
                **({"note": "项目未登记任何系统"} if not systems else {}),
            },
        )
    )

    published_by_system = {
        s.id: [r for r in resources if r.status == "published" and s in r.systems] for s in systems
    }
    without = [
        {"id": s.id, "code": s.code, "name": s.name}
        for s in systems
        if not published_by_system[s.id]
    ]
    checks.append(
        Check(
            "systems_have_published_catalog",
            "每个系统均已发布信息资源目录（Art. 9(3)）",
            "fail" if without or not systems else "pass",
            {
                "without_published_catalog": without,
                "published_resources": sum(1 for r in resources if r.status == "published"),
            },
        )
    )

    unserved = [
        _ref(r)
        for r in resources
        if r.status == "published"
        and r.share_type in SHAREABLE
        and not any(i.platform_connected for i in cov.served_by.get(r.id, []))
    ]
    checks.append(
        Check(
            "shareable_resources_on_platform",
            "可共享资源均通过接入共享交换平台的接口提供",
            "fail" if unserved else "pass",
            {"unserved": unserved},
        )
    )

    unjustified = []
    for r in resources:
        condition = (r.share_condition or "").strip()
        if r.share_type == "不予共享" and (not condition or condition == "无条件"):
            unjustified.append({**_ref(r), "problem": "不予共享未写明法律法规或政策依据"})
        if r.share_type == "有条件共享" and not condition:
            unjustified.append({**_ref(r), "problem": "有条件共享未写明共享条件"})
    checks.append(
        Check(
            "share_attributes_justified",
            "不予共享有依据、有条件共享有条件",
            "fail" if unjustified else "pass",
            {"resources": unjustified},
        )
    )

    system_ids = {s.id for s in systems}
    dup = [
        f
        for f in open_findings(session, kinds=("duplicate_collection",))
        if f.subject_type == "system" and f.subject_id in system_ids
    ]
    overlap = overlap_findings(session, p.id)
    checks.append(
        Check(
            "no_duplicate_or_overlap",
            "无未整改的重复采集或建设内容重叠问题",
            "fail" if dup or overlap else "pass",
            {"findings": [_finding(f) for f in dup + overlap]},
        )
    )

    checks.append(_share_requests_check(session, resources, today or utcnow().date()))

    exclusive = [
        {**_ref(r), "text": text}
        for r in resources
        for text in (r.share_condition, r.open_condition)
        if text and _EXCLUSIVE.search(text)
    ]
    checks.append(
        Check(
            "no_exclusive_sharing",
            "未将应普遍共享的数据仅向特定企业或机构开放（Art. 9(3)）",
            "fail" if exclusive else "pass",
            {"resources": exclusive},
        )
    )

    depts = [p.lead_department_id, *p.co_department_ids]
    art17 = open_findings(session, department_ids=depts)
    checks.append(
        Check(
            "no_open_art17_findings",
            "项目建设单位无未整改的第十七条问题",
            "fail" if art17 else "pass",
            {"findings": [_finding(f) for f in art17]},
        )
    )
    return checks


def _share_requests_check(session: Session, resources: list[Resource], today: date) -> Check:
    """Art. 9(3), Art. 15: requests for the project's resources answered within their
    deadline. Fails with each request still waiting past its deadline, and each answered
    late; not applicable when nobody has asked for the project's data yet."""
    ids = [r.id for r in resources]
    requests = (
        list(
            session.scalars(
                select(ShareRequest)
                .where(ShareRequest.resource_id.in_(ids))
                .order_by(ShareRequest.id)
            )
        )
        if ids
        else []
    )
    if not requests:
        return Check(
            "no_overdue_share_requests",
            "无逾期未答复的共享申请",
            "not_applicable",
            {"note": "尚无针对本项目资源的共享申请"},
        )
    # Answered after its deadline, or still waiting past it (the clock paused while the
    # provider waits for the requester does not count against the provider).
    late = [
        {
            "id": r.id,
            "resource_id": r.resource_id,
            "requester_department_id": r.requester_department_id,
            "status": r.status,
            "due_date": r.due_date.isoformat() if r.due_date else None,
            "answered_late": r.answered_late,
            "escalated": r.escalated_at is not None,
        }
        for r in requests
        if r.answered_late or (r.status == "pending" and r.due_date and r.due_date < today)
    ]
    return Check(
        "no_overdue_share_requests",
        "无逾期未答复的共享申请",
        "fail" if late else "pass",
        {"requests": late, "total": len(requests)},
    )


def _finding(f: Finding) -> dict:
    return {"id": f.id, "kind": f.kind, "title": f.title, "status": f.status}


def as_dicts(checks: list[Check]) -> list[dict]:
    return [asdict(c) for c in checks]
