"""A sharing history for the demo county, made through the sharing services (so every
request, answer, grant, flow, report and correction is audited like a real one): most
requests answered, some approved into grants with quarterly usage reports, some still
waiting, one asked for more, one past its deadline, and a few corrections."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..authz import EDITOR, Actor
from ..models import Grant, InformationSystem, Resource, ShareRequest
from ..services import feedback, sharing

PURPOSES = (
    ("企业开办登记", "核验申请人身份与企业登记信息"),
    ("社会救助审核", "核对救助对象的户籍、收入与财产状况"),
    ("不动产登记", "核验权利人身份与婚姻状况"),
    ("就业创业补贴", "核对参保与就业登记情况"),
    ("学籍管理", "核验学生户籍与监护人信息"),
)


def load_sharing_history(
    session: Session, settings: sharing.SharingSettings, *, requests: int = 30
) -> dict[str, int]:
    rng = random.Random("gov-data-registry-demo-sharing-v1")
    resources = list(
        session.scalars(
            select(Resource)
            .where(Resource.status == "published", Resource.share_type == "有条件共享")
            .options(selectinload(Resource.items))
            .order_by(Resource.id)
        )
    )
    systems = list(session.scalars(select(InformationSystem).order_by(InformationSystem.id)))
    if not resources or not systems:
        return {}
    made: list[ShareRequest] = []
    seen: set[tuple] = set()
    today = settings.today()
    for n in range(requests):
        resource = rng.choice(resources)
        candidates = [s for s in systems if s.department_id != resource.provider_department_id]
        system = rng.choice(candidates)
        matter, purpose = rng.choice(PURPOSES)
        items = [i.name for i in resource.items if i.share_type != "不予共享"]
        wanted = items[: rng.randint(2, max(2, min(6, len(items))))]
        if (resource.id, system.id, tuple(wanted)) in seen:
            continue  # the same request twice is refused (and pointless): draw again
        seen.add((resource.id, system.id, tuple(wanted)))
        request = sharing.create_share_request(
            session,
            _editor(system.department_id),
            data={
                "resource_id": resource.id,
                "requester_system_id": system.id,
                "purpose": purpose,
                "business_matter": matter,
                "legal_basis": "《政务信息资源共享管理暂行办法》",
                "item_names": wanted,
                "period_start": today,
            },
            settings=settings,
        )
        made.append(request)
        provider = _editor(resource.provider_department_id)
        roll = n % 10
        if roll < 6:
            sharing.answer_share_request(
                session,
                provider,
                request.id,
                action="approve",
                reason=None,
                expected_version=request.version,
                settings=settings,
            )
        elif roll == 6:
            sharing.answer_share_request(
                session,
                provider,
                request.id,
                action="refuse",
                reason="申请用途超出该资源的共享条件（仅限本部门业务审核）",
                expected_version=request.version,
                settings=settings,
            )
        elif roll == 7:
            sharing.answer_share_request(
                session,
                provider,
                request.id,
                action="ask",
                reason="请补充申请系统的等级保护备案证明",
                expected_version=request.version,
                settings=settings,
            )
        elif roll == 8:
            request.due_date = today - timedelta(days=3)  # let slip past its deadline
    session.flush()
    grants = list(session.scalars(select(Grant).order_by(Grant.id)))
    quarter = feedback.previous_quarter(today)
    for grant in grants[: len(grants) // 2]:
        grant.starts_on = today - timedelta(days=120)
        feedback.submit_usage_report(
            session,
            _editor(grant.consumer_department_id),
            grant.id,
            data={
                "period": quarter,
                "uses": rng.randint(50, 3000),
                "purposes": "业务办理时在线核验",
                "met_purpose": rng.random() < 0.85,
                "problems": rng.choice([None, "个别记录更新不及时", "接口高峰期响应较慢"]),
            },
            settings=settings,
        )
    corrections = 0
    for request in made[:4]:
        resource = session.get(Resource, request.resource_id)
        correction = feedback.create_correction(
            session,
            _editor(request.requester_department_id),
            data={
                "resource_id": resource.id,
                "item_name": resource.items[0].name if resource.items else None,
                "description": "部分记录与本部门掌握的情况不一致",
                "example": "示例记录已通过共享平台工单提供",
            },
            settings=settings,
            deadline_days=5,
        )
        corrections += 1
        if corrections <= 2:
            feedback.answer_correction(
                session,
                _editor(resource.provider_department_id),
                correction.id,
                answer="已核实，原始数据录入有误，已更正",
                corrected=True,
                expected_version=correction.version,
                settings=settings,
            )
    escalated = sharing.escalate_overdue(session, Actor.system("demo"), today=today)
    session.flush()
    return {
        "share_requests": len(made),
        "grants": len(grants),
        "corrections": corrections,
        "escalated": len(escalated),
    }


def _editor(department_id: int) -> Actor:
    """The department's clerk, as the demo's actor (the demo users are only a few)."""
    return Actor(None, f"演示信息员（部门 {department_id}）", EDITOR, department_id)
