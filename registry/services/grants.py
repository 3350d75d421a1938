"""共享授权: what an approved share request allows, for a time. A grant declares a flow
from the provider's system to the consumer's through the platform; it can be renewed,
and withdrawn (with a reason) or left to expire, and its flow ends with it. Also who
reads which sharing records (requests and grants alike): the two departments involved,
and the roles that read everything (``authz.sharing_departments``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .. import audit
from ..authz import (
    Actor,
    may_read_sharing,
    require_department_editor,
    require_login,
    sharing_departments,
)
from ..db import utcnow
from ..errors import Conflict, Invalid, NotFound
from ..models import Flow, Grant, Resource, ShareRequest
from ._records import check_version, snapshot
from .flows import create_flow, delete_flow


def create_grant(
    session: Session, actor: Actor, request: ShareRequest, today: date, ends_on: date | None
) -> Grant:
    """An approved request's grant, and the declared flow through the platform from the
    provider's system to the requester's."""
    resource = session.get(Resource, request.resource_id)
    source_system = resource.systems[0].id if resource.systems else None
    flow = create_flow(
        session,
        Actor.system("共享授权"),
        data={
            "source_system_id": source_system,
            "source_department_id": request.provider_department_id,
            "target_system_id": request.requester_system_id,
            "resource_id": request.resource_id,
            "interface_id": request.interface_id,
            "via_platform": True,
            "origin": "declared",
            "description": f"共享申请 {request.id} 授权：{request.business_matter}",
        },
    )
    grant = Grant(
        request_id=request.id,
        resource_id=request.resource_id,
        provider_department_id=request.provider_department_id,
        consumer_department_id=request.requester_department_id,
        consumer_system_id=request.requester_system_id,
        flow_id=flow.id,
        starts_on=max(request.period_start, today),
        ends_on=ends_on,
    )
    session.add(grant)
    session.flush()
    audit.record(session, actor, "grant.create", "grant", grant.id, after=snapshot(grant))
    return grant


def withdraw_grant(
    session: Session,
    actor: Actor,
    grant_id: int,
    *,
    reason: str | None,
    expected_version: int | None,
) -> Grant:
    """The provider withdraws a grant (with a reason); its flow ends with it."""
    grant = get_grant(session, actor, grant_id)
    require_department_editor(actor, grant.provider_department_id)
    check_version(grant, expected_version)
    if not (reason or "").strip():
        raise Invalid(errors={"reason": ["撤销授权须说明原因"]})
    return _end_grant(session, actor, grant, "withdrawn", reason)


def renew_grant(
    session: Session,
    actor: Actor,
    grant_id: int,
    *,
    ends_on: date | None,
    expected_version: int | None,
    today: date,
) -> Grant:
    """续期: a new end date (None: 长期) for an active grant, by its provider."""
    grant = get_grant(session, actor, grant_id)
    require_department_editor(actor, grant.provider_department_id)
    check_version(grant, expected_version)
    if grant.status != "active":
        raise Conflict("只有有效的授权可以续期", code="grant_ended")
    if ends_on is not None and ends_on < today:
        raise Invalid(errors={"ends_on": ["新的截止日期不能早于今天"]})
    before = snapshot(grant)
    grant.ends_on = ends_on
    session.flush()
    audit.record(
        session, actor, "grant.renew", "grant", grant.id, before=before, after=snapshot(grant)
    )
    return grant


def expire_grants(session: Session, actor: Actor, *, today: date) -> list[Grant]:
    """Grants past their end date expire and their flows end: what the daily job runs."""
    ended = list(
        session.scalars(select(Grant).where(Grant.status == "active", Grant.ends_on < today))
    )
    return [_end_grant(session, actor, g, "expired", "授权期限届满") for g in ended]


def _end_grant(session: Session, actor: Actor, grant: Grant, status: str, reason) -> Grant:
    if grant.status != "active":
        raise Conflict("该授权已终止", code="grant_ended")
    before = snapshot(grant)
    flow_id = grant.flow_id
    grant.status, grant.ended_at, grant.end_reason = status, utcnow(), reason
    grant.flow_id = None
    session.flush()
    if flow_id is not None:
        flow = session.get(Flow, flow_id)
        delete_flow(session, Actor.system("共享授权"), flow_id, expected_version=flow.version)
    audit.record(
        session,
        actor,
        f"grant.{status}",
        "grant",
        grant.id,
        before=before,
        after=snapshot(grant),
        cause=reason,
    )
    return grant


def get_grant(session: Session, actor: Actor, grant_id: int, *, field: str | None = None) -> Grant:
    return read_sharing_record(session, actor, Grant, grant_id, "consumer", "共享授权", field)


def read_sharing_record(
    session: Session,
    actor: Actor,
    model,
    record_id: int,
    consumer: str,
    label: str,
    field: str | None = None,
):
    """A request or grant this actor may read; otherwise it does not exist for them: a
    404 when the URL names it, a 422 on ``field`` when the request body does."""
    record = session.get(model, record_id)
    if record is None or not may_read_sharing(
        actor, getattr(record, f"{consumer}_department_id"), record.provider_department_id
    ):
        if field is not None:
            raise Invalid(errors={field: [f"{label}（ID {record_id}）不存在"]})
        raise NotFound(f"{label}（ID {record_id}）不存在")
    return record


def visible_to(actor: Actor, consumer_column, provider_column):
    """What of sharing an actor reads, as SQL over one side's and the other's department
    columns (``authz.sharing_departments``); None when it reads everything."""
    own = sharing_departments(actor)
    if own is None:
        return None
    return consumer_column.in_(own) | provider_column.in_(own)


def list_grants(
    actor: Actor, *, status: str | None = None, department_id: int | None = None
) -> Select:
    require_login(actor)
    stmt = select(Grant)
    clause = visible_to(actor, Grant.consumer_department_id, Grant.provider_department_id)
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        stmt = stmt.where(Grant.status == status)
    if department_id is not None:
        stmt = stmt.where(
            (Grant.consumer_department_id == department_id)
            | (Grant.provider_department_id == department_id)
        )
    return stmt
