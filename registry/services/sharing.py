"""共享申请: a department requests another's published resource for one of its systems;
the provider answers within a deadline in working days; an approval becomes a grant
(共享授权) and a declared flow through the platform, which ends with the grant.

Art. 9(3) asks for lasting sharing and feedback on use; Art. 15 weighs the scope and
degree of sharing at acceptance. The rules of the share types (国发〔2016〕51号):
无条件共享 is granted at once (and recorded: it is sharing, and it counts); 不予共享 is
refused at once with the resource's stated basis; 有条件共享 waits for the provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from catalog_schemas.codes import SHARE_NONE, SHARE_UNCONDITIONAL

from .. import audit
from ..authz import (
    REVIEWER,
    Actor,
    require_department_editor,
    require_login,
    require_role,
)
from ..db import local_now, utcnow
from ..errors import Conflict, Invalid
from ..models import (
    OPEN_REQUEST_STATUSES,
    InformationSystem,
    Interface,
    Resource,
    ShareRequest,
    interface_resources,
)
from ..workdays import WorkCalendar
from ._records import check_version, get_record, snapshot
from .grants import create_grant, read_sharing_record, visible_to
from .notifications import notify


@dataclass(frozen=True)
class SharingSettings:
    """Deadlines per stage *(local)*, in working days: to answer a request
    (``deadline_days``; fewer where the data is already served through the platform,
    ``already_shared_days``); after the requester supplied what was asked, the days left
    but at least ``after_reply_days`` (the provider's compliance review of the new
    materials; some provinces give 2); the calendar and the time zone whose dates they
    count."""

    calendar: WorkCalendar
    timezone: str
    deadline_days: int = 10
    already_shared_days: int | None = None
    after_reply_days: int | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SharingSettings:
        return cls(
            calendar=WorkCalendar.from_config(config),
            timezone=config["LOCAL_TIMEZONE"],
            deadline_days=int(config["SHARE_REQUEST_DEADLINE_DAYS"]),
            already_shared_days=config.get("SHARE_REQUEST_DEADLINE_DAYS_ALREADY_SHARED"),
            after_reply_days=config.get("SHARE_REQUEST_DEADLINE_DAYS_AFTER_REPLY"),
        )

    def today(self) -> date:
        return local_now(self.timezone).date()


# -- requesting ------------------------------------------------------------------------------


def create_share_request(
    session: Session, actor: Actor, *, data: dict[str, Any], settings: SharingSettings
) -> ShareRequest:
    """Request a published resource for one of the requester's systems."""
    system = get_record(
        session,
        InformationSystem,
        data["requester_system_id"],
        label="申请方系统",
        field="requester_system_id",
    )
    require_department_editor(actor, system.department_id)
    resource = _requestable(session, data["resource_id"], system.department_id)
    items = _requested_items(resource, data.get("item_names") or [])
    today = settings.today()
    _check_period(data, today)
    interface_id = data.get("interface_id") or _platform_interface(session, resource.id)
    if data.get("interface_id") and interface_id not in _serving_interfaces(session, resource.id):
        raise Invalid(errors={"interface_id": ["该接口不提供此信息资源"]})
    _refuse_duplicate(session, resource.id, system.id, items)
    request = ShareRequest(
        resource_id=resource.id,
        provider_department_id=resource.provider_department_id,
        requester_department_id=system.department_id,
        requester_system_id=system.id,
        requester_id=actor.user_id,
        purpose=data["purpose"],
        business_matter=data["business_matter"],
        legal_basis=data.get("legal_basis"),
        item_names=items,
        interface_id=interface_id,
        period_start=data["period_start"],
        period_end=data.get("period_end"),
        submitted_at=utcnow(),
        deadline_days=_deadline_days(settings, interface_id),
        status="pending",
    )
    request.due_date = settings.calendar.add_working_days(today, request.deadline_days)
    session.add(request)
    session.flush()
    _record(session, actor, request, "share_request.create")
    if resource.share_type not in (SHARE_UNCONDITIONAL, SHARE_NONE):
        _tell(
            session,
            request,
            "share_request.new",
            request.provider_department_id,
            f"收到共享申请：{resource.name}",
            f"请在 {request.due_date} 前答复（{request.deadline_days} 个工作日）。"
            f"用途：{request.purpose}",
        )
    if resource.share_type == SHARE_UNCONDITIONAL:
        _decide(session, Actor.system("无条件共享"), request, "approved", "无条件共享", settings)
    elif resource.share_type == SHARE_NONE:
        reason = f"该资源不予共享，依据：{resource.share_condition}"
        _decide(session, Actor.system("不予共享"), request, "refused", reason, settings)
    return request


def _requestable(session: Session, resource_id: int, requester_department_id: int) -> Resource:
    resource = session.scalar(
        select(Resource).where(Resource.id == resource_id).options(selectinload(Resource.items))
    )
    if resource is None or resource.status != "published":
        # A draft is not in the catalog: it cannot be requested, and it does not leak.
        raise Invalid(errors={"resource_id": ["只能申请已发布的信息资源"]})
    if resource.provider_department_id == requester_department_id:
        raise Invalid(errors={"resource_id": ["本部门的信息资源无需申请共享"]})
    return resource


def _requested_items(resource: Resource, names: list[str]) -> list[str]:
    """The items asked for (none: all the shareable ones). An unknown item, or one the
    resource marks 不予共享, cannot be requested."""
    by_name = {i.name: i for i in resource.items}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise Invalid(errors={"item_names": ["资源中没有以下信息项：" + "、".join(unknown)]})
    closed = [n for n in names if by_name[n].share_type == SHARE_NONE]
    if closed:
        raise Invalid(errors={"item_names": ["以下信息项不予共享：" + "、".join(closed)]})
    return sorted(set(names), key=list(by_name).index)


def _check_period(data: dict[str, Any], today: date) -> None:
    start, end = data["period_start"], data.get("period_end")
    if start < today:
        raise Invalid(errors={"period_start": ["使用期限不能早于今天"]})
    if end is not None and end < start:
        raise Invalid(errors={"period_end": ["结束日期不能早于开始日期"]})


def _serving_interfaces(session: Session, resource_id: int) -> list[int]:
    return list(
        session.scalars(
            select(interface_resources.c.interface_id).where(
                interface_resources.c.resource_id == resource_id
            )
        )
    )


def _platform_interface(session: Session, resource_id: int) -> int | None:
    return session.scalar(
        select(Interface.id)
        .join(interface_resources, interface_resources.c.interface_id == Interface.id)
        .where(interface_resources.c.resource_id == resource_id, Interface.platform_connected)
        .order_by(Interface.id)
        .limit(1)
    )


def _deadline_days(settings: SharingSettings, interface_id: int | None) -> int:
    if interface_id is not None and settings.already_shared_days:
        return settings.already_shared_days  # already served through the platform
    return settings.deadline_days


def _refuse_duplicate(session: Session, resource_id: int, system_id: int, items: list[str]) -> None:
    for open_request in session.scalars(
        select(ShareRequest).where(
            ShareRequest.resource_id == resource_id,
            ShareRequest.requester_system_id == system_id,
            ShareRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
    ):
        if sorted(open_request.item_names) == sorted(items):
            raise Conflict(
                f"该系统对此资源已有未办结的共享申请（编号 {open_request.id}）",
                code="duplicate_share_request",
                errors={
                    "open_request_id": open_request.id,
                    "open_request": f"/api/v1/share-requests/{open_request.id}",
                },
            )


# -- answering -------------------------------------------------------------------------------

ANSWERS = ("approve", "refuse", "ask")


def answer_share_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    action: str,
    reason: str | None,
    expected_version: int | None,
    ends_on: date | None = None,
    settings: SharingSettings,
) -> ShareRequest:
    """The provider approves, refuses (naming the unmet condition) or asks for more
    information (the clock stops until the requester replies)."""
    request = _open_request(session, actor, request_id, expected_version, side="provider")
    reason = (reason or "").strip() or None
    today = settings.today()
    if action == "ask":
        if reason is None:
            raise Invalid(errors={"reason": ["请写明需要补充的信息"]})
        if request.status != "pending":
            raise Conflict("已在等待申请方补充材料", code="invalid_transition")
        # The clock stops: what is left of the deadline resumes when the requester replies.
        request.remaining_days = max(
            1, settings.calendar.working_days_between(today, request.due_date)
        )
        request.status, request.question, request.due_date = "needs_info", reason, None
        session.flush()
        _record(session, actor, request, "share_request.ask", reason)
        _tell(
            session,
            request,
            "share_request.ask",
            request.requester_department_id,
            f"共享申请 {request.id} 需补充材料",
            reason,
        )
        return request
    if action == "refuse" and reason is None:
        raise Invalid(errors={"reason": ["拒绝须写明未满足的共享条件"]})
    if action not in ("approve", "refuse"):
        raise Invalid(errors={"action": ["应为 approve、refuse 或 ask"]})
    status = "approved" if action == "approve" else "refused"
    return _decide(session, actor, request, status, reason, settings, ends_on=ends_on)


def reply_share_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    reply: str,
    expected_version: int | None,
    settings: SharingSettings,
) -> ShareRequest:
    """The requester supplies what was asked; the clock runs again for the days left (at
    least the review stage's ``after_reply_days``)."""
    request = _open_request(session, actor, request_id, expected_version, side="requester")
    if request.status != "needs_info":
        raise Conflict("提供方未要求补充材料", code="invalid_transition")
    if not (reply or "").strip():
        raise Invalid(errors={"reply": ["请填写补充说明"]})
    request.reply, request.status = reply.strip(), "pending"
    request.due_date = settings.calendar.add_working_days(
        settings.today(), max(request.remaining_days or 1, settings.after_reply_days or 0)
    )
    request.remaining_days = None
    session.flush()
    _record(session, actor, request, "share_request.reply")
    _tell(
        session,
        request,
        "share_request.reply",
        request.provider_department_id,
        f"共享申请 {request.id} 已补充材料",
        f"请在 {request.due_date} 前答复。补充说明：{request.reply}",
    )
    return request


def withdraw_share_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    reason: str | None,
    expected_version: int | None,
) -> ShareRequest:
    request = _open_request(session, actor, request_id, expected_version, side="requester")
    request.status, request.decision_reason = "withdrawn", (reason or "").strip() or None
    request.decided_at, request.decided_by_id = utcnow(), actor.user_id
    request.due_date = None
    session.flush()
    _record(session, actor, request, "share_request.withdraw", reason)
    return request


def arbitrate_share_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    action: str,
    reason: str | None,
    expected_version: int | None,
    settings: SharingSettings,
) -> ShareRequest:
    """The 大数据中心 decides a request the provider let pass its deadline (the county's
    coordinating body for sharing disputes)."""
    require_role(actor, REVIEWER)
    request = _open_request(session, actor, request_id, expected_version, side=None)
    today = settings.today()
    if not _overdue(request, today):
        raise Conflict("只有逾期未答复的申请由大数据中心协调", code="not_overdue")
    if not (reason or "").strip():
        raise Invalid(errors={"reason": ["请写明协调意见"]})
    if action not in ("approve", "refuse"):
        raise Invalid(errors={"action": ["应为 approve 或 refuse"]})
    request.arbitrated = True
    status = "approved" if action == "approve" else "refused"
    return _decide(session, actor, request, status, reason, settings)


def escalate_overdue(session: Session, actor: Actor, *, today: date) -> list[ShareRequest]:
    """Requests past their deadline go to the 大数据中心 (once each): what the overdue job
    runs. Returns those escalated now."""
    due = list(
        session.scalars(
            select(ShareRequest).where(
                ShareRequest.status == "pending",
                ShareRequest.due_date < today,
                ShareRequest.escalated_at.is_(None),
            )
        )
    )
    for request in due:
        request.escalated_at = utcnow()
    session.flush()
    for request in due:
        _record(session, actor, request, "share_request.escalate")
        for department_id, role in ((request.provider_department_id, None), (None, REVIEWER)):
            notify(
                session,
                kind="share_request.overdue",
                subject_type="share_request",
                subject_id=request.id,
                title=f"共享申请 {request.id} 逾期未答复",
                body=f"答复期限 {request.due_date} 已过，已提交大数据中心协调。",
                department_id=department_id,
                role=role,
            )
    return due


def _open_request(
    session: Session,
    actor: Actor,
    request_id: int,
    expected_version: int | None,
    *,
    side: str | None,
) -> ShareRequest:
    """The request, if this actor may act on it (``side``: the provider's or requester's
    editors; None: checked by the caller first), at the version read, and still open."""
    request = get_share_request(session, actor, request_id)
    if side is not None:
        require_department_editor(actor, getattr(request, f"{side}_department_id"))
    check_version(request, expected_version)
    if request.status not in OPEN_REQUEST_STATUSES:
        raise Conflict("该申请已办结", code="request_closed")
    return request


def _overdue(request: ShareRequest, today: date) -> bool:
    return request.status == "pending" and request.due_date is not None and request.due_date < today


def _decide(
    session: Session,
    actor: Actor,
    request: ShareRequest,
    status: str,
    reason: str | None,
    settings: SharingSettings,
    *,
    ends_on: date | None = None,
) -> ShareRequest:
    today, calendar, due = settings.today(), settings.calendar, request.due_date
    request.answered_late = due is not None and today > due
    if due is not None:
        # Working days the answer took (the paused days are not in it: the deadline
        # moved on by them when the requester replied).
        request.answer_days = (
            request.deadline_days - calendar.working_days_between(today, due)
            if today <= due
            else request.deadline_days + calendar.working_days_between(due, today)
        )
    request.status, request.decision_reason = status, reason
    request.decided_at, request.decided_on = utcnow(), today
    request.decided_by_id = actor.user_id
    request.due_date = None
    session.flush()
    _record(session, actor, request, f"share_request.{status}", reason)
    verdict = "已同意" if status == "approved" else "未同意"
    _tell(
        session,
        request,
        "share_request.answered",
        request.requester_department_id,
        f"共享申请 {request.id} {verdict}",
        reason or verdict,
    )
    if status == "approved":
        create_grant(session, actor, request, today, ends_on or request.period_end)
    return request


# -- reading ---------------------------------------------------------------------------------


def get_share_request(session: Session, actor: Actor, request_id: int) -> ShareRequest:
    return read_sharing_record(session, actor, ShareRequest, request_id, "requester", "共享申请")


def list_share_requests(
    actor: Actor,
    *,
    status: str | None = None,
    resource_id: int | None = None,
    department_id: int | None = None,
    side: str | None = None,
    overdue_on: date | None = None,
) -> Select:
    """Requests this actor may read; ``side`` (requester | provider) with ``department_id``
    narrows to one side; ``overdue_on`` to those pending past their deadline then."""
    require_login(actor)
    stmt = select(ShareRequest)
    clause = visible_to(
        actor, ShareRequest.requester_department_id, ShareRequest.provider_department_id
    )
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        stmt = stmt.where(ShareRequest.status == status)
    if resource_id is not None:
        stmt = stmt.where(ShareRequest.resource_id == resource_id)
    if department_id is not None:
        columns = {
            "requester": (ShareRequest.requester_department_id,),
            "provider": (ShareRequest.provider_department_id,),
        }.get(
            side or "",
            (ShareRequest.requester_department_id, ShareRequest.provider_department_id),
        )
        clause = columns[0] == department_id
        for column in columns[1:]:
            clause = clause | (column == department_id)
        stmt = stmt.where(clause)
    if overdue_on is not None:
        stmt = stmt.where(ShareRequest.status == "pending", ShareRequest.due_date < overdue_on)
    return stmt


def _tell(
    session: Session, request: ShareRequest, kind: str, department_id: int, title: str, body: str
) -> None:
    notify(
        session,
        kind=kind,
        subject_type="share_request",
        subject_id=request.id,
        title=title,
        body=body,
        department_id=department_id,
    )


def _record(
    session: Session, actor: Actor, request: ShareRequest, action: str, cause: str | None = None
) -> None:
    audit.record(
        session, actor, action, "share_request", request.id, after=snapshot(request), cause=cause
    )
